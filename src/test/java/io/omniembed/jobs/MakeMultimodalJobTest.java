package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.data.media.AudioPatches;
import io.omniembed.data.media.ImagePatches;
import io.omniembed.data.media.VideoPatches;
import io.omniembed.data.multimodal.Speech;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * make-multimodal on small copies of its real inputs' formats (emoji-datasource's emoji.json and
 * PNG layout, CLDR annotations, iso-codes JSON and flag PNGs, Fashion-MNIST IDX files) with real
 * espeak-ng speech: the pairs, the held-out benchmarks and their separation.
 */
class MakeMultimodalJobTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[][] EMOJI = {{"1F600", "grinning face", "grinsendes Gesicht"},
      {"1F601", "beaming face", "strahlendes Gesicht"}, {"1F602", "tears of joy", "Freudentränen"},
      {"1F603", "big eyes", "große Augen"}, {"1F604", "smiling eyes", "lachende Augen"},
      {"1F605", "cold sweat", "kalter Schweiß"}, {"1F606", "squinting face", "Grinsen"},
      {"1F609", "winking face", "zwinkerndes Gesicht"}, {"1F60A", "blushing", "errötet"},
      {"1F60B", "yummy", "lecker"}, {"1F60C", "relieved", "erleichtert"},
      {"1F60D", "heart eyes", "Herzaugen"}};

  static byte[] png(int seed, int w, int h) throws Exception {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(Color.HSBtoRGB(seed / 13f, 0.8f, 0.9f)));
    g.fillOval(seed % 5, seed % 7, w / 2, h / 2);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  @Test
  void buildsPairsAndHeldOutBenchmarksFromEveryKindOfSource(@TempDir Path dir) throws Exception {
    assumeTrue(Speech.available(), "espeak-ng is not installed: this test synthesises real"
        + " speech (Debian: apt-get install espeak-ng; .ci/run installs it)");
    Path emoji = dir.resolve("emoji");
    Files.createDirectories(emoji.resolve("img/google/64"));
    StringBuilder index = new StringBuilder("[");
    var en = JSON.createObjectNode();
    var de = JSON.createObjectNode();
    for (int i = 0; i < EMOJI.length; i++) {
      String file = EMOJI[i][0].toLowerCase() + ".png";
      Files.write(emoji.resolve("img/google/64/" + file), png(i, 64, 64));
      index.append(i == 0 ? "" : ",").append("{\"unified\":\"").append(EMOJI[i][0])
          .append("\",\"image\":\"").append(file).append("\",\"has_img_google\":true}");
      String glyph = new String(Character.toChars(Integer.parseInt(EMOJI[i][0], 16)));
      en.set(glyph, JSON.readTree("{\"tts\":[\"" + EMOJI[i][1] + "\"]}"));
      de.set(glyph, JSON.readTree("{\"tts\":[\"" + EMOJI[i][2] + "\"]}"));
    }
    Files.writeString(emoji.resolve("emoji.json"), index.append("]").toString());
    Path cldr = dir.resolve("cldr");
    for (String[] lang : new String[][] {{"en", en.toString()}, {"de", de.toString()}}) {
      Path f = cldr.resolve("annotations/" + lang[0] + "/annotations.json");
      Files.createDirectories(f.getParent());
      Files.writeString(f, "{\"annotations\":{\"annotations\":" + lang[1] + "}}");
    }
    Path flags = dir.resolve("flags");
    Files.createDirectories(flags);
    StringBuilder iso = new StringBuilder("{\"3166-1\":[");
    String[][] countries = {{"de", "Germany"}, {"fr", "France"}, {"it", "Italy"},
        {"es", "Spain"}, {"pt", "Portugal"}, {"nl", "Netherlands"}};
    for (int i = 0; i < countries.length; i++) {
      Files.write(flags.resolve(countries[i][0] + ".png"), png(20 + i, 32, 24));
      iso.append(i == 0 ? "" : ",").append("{\"alpha_2\":\"").append(countries[i][0]
          .toUpperCase()).append("\",\"name\":\"").append(countries[i][1]).append("\"}");
    }
    Path isoJson = dir.resolve("iso_3166-1.json");
    Files.writeString(isoJson, iso.append("]}").toString());
    Path fashion = dir.resolve("fashion");
    writeIdx(fashion, 10);

    Path out = dir.resolve("out");
    JobRunner.Result r = JobRunner.run("make-multimodal", "--emoji", emoji.toString(), "--cldr",
        cldr.toString(), "--languages", "en,de", "--flags", flags.toString(), "--iso-codes",
        isoJson.toString(), "--fashion-mnist", fashion.toString(), "--speech",
        "--valid-fraction", "0.3", "--clip-frames", "6", "--out", out.toString());
    assertEquals(0, r.exitCode(), r.err());

    List<JsonNode> pairs = jsonl(out.resolve("train/pairs-media.jsonl"));
    Set<String> tasks = new HashSet<>();
    Set<String> trainImages = new HashSet<>();
    for (JsonNode p : pairs) {
      tasks.add(p.get("task").asText());
      for (String role : List.of("query", "positive")) {
        JsonNode item = p.get(role);
        for (String field : List.of("image", "audio", "video")) {
          if (item.has(field)) {
            Path file = out.resolve("train").resolve(item.get(field).asText());
            byte[] bytes = Files.readAllBytes(file);
            switch (field) {
              case "image" -> {
                ImagePatches.of(bytes, new ImagePatches.Spec(16, 8));
                trainImages.add(sha(bytes));
              }
              case "audio" -> AudioPatches.of(bytes, AudioPatches.Spec.defaults());
              default -> VideoPatches.of(bytes, new VideoPatches.Spec(4,
                  new ImagePatches.Spec(16, 8)));
            }
          }
        }
      }
      if (p.get("task").asText().equals("text2video")) {
        assertEquals("composed", p.get("source").asText(), "composed clips are labelled");
        assertTrue(p.get("query").get("text").asText().contains(" moving from "));
      }
    }
    assertEquals(Set.of("text2image", "text2audio", "audio2text", "text2video"), tasks);
    assertTrue(pairs.stream().anyMatch(p -> p.get("query").path("text").asText()
        .equals("a photo of a sneaker") || p.get("query").path("text").asText()
        .startsWith("a photo of a ")), "Fashion-MNIST captions");
    assertTrue(pairs.stream().anyMatch(p -> p.get("query").path("text").asText()
        .startsWith("flag of ")), "flags");

    for (String bench : List.of("bench-text2image", "bench-text2audio", "bench-text2video",
        "speech-de-en", "speech-en-en")) {
      Path b = out.resolve(bench);
      List<JsonNode> queries = jsonl(b.resolve("queries.jsonl"));
      List<JsonNode> corpus = jsonl(b.resolve("corpus.jsonl"));
      List<String> qrels = Files.readAllLines(b.resolve("qrels/test.tsv"));
      assertFalse(queries.isEmpty(), bench);
      assertEquals(queries.size() + 1, qrels.size(), bench + ": one judgement per query");
      Set<String> corpusIds = new HashSet<>();
      for (JsonNode d : corpus) {
        corpusIds.add(d.get("_id").asText());
        if (d.has("image")) {
          byte[] bytes = Files.readAllBytes(b.resolve(d.get("image").asText()));
          assertFalse(trainImages.contains(sha(bytes)), bench + ": a held-out image is in"
              + " training");
        }
      }
      for (String q : qrels.subList(1, qrels.size())) {
        assertTrue(corpusIds.contains(q.split("\t")[1]), bench + ": " + q);
      }
    }
    JsonNode speech = jsonl(out.resolve("speech-de-en/queries.jsonl")).get(0);
    assertTrue(speech.get("audio").asText().startsWith("media/audio/de/"), speech.toString());
    int clips = jsonl(out.resolve("bench-text2video/corpus.jsonl")).size();
    assertEquals(jsonl(out.resolve("bench-text2video/queries.jsonl")).size(), clips);
    assertEquals(0, clips % 4, "four motions per image");
    JsonNode manifest = JSON.readTree(out.resolve("manifest.json").toFile());
    assertTrue(manifest.get("composed").asText().contains("composed"));
  }

  private static void writeIdx(Path dir, int n) throws Exception {
    Files.createDirectories(dir);
    try (DataOutputStream img = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(
        dir.resolve("train-images-idx3-ubyte.gz"))));
        DataOutputStream lab = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(
            dir.resolve("train-labels-idx1-ubyte.gz"))))) {
      img.writeInt(0x803);
      img.writeInt(n);
      img.writeInt(28);
      img.writeInt(28);
      lab.writeInt(0x801);
      lab.writeInt(n);
      for (int i = 0; i < n; i++) {
        for (int p = 0; p < 28 * 28; p++) {
          img.writeByte((p * (i + 1)) % 256);
        }
        lab.writeByte(i % 10);
      }
    }
  }

  private static List<JsonNode> jsonl(Path p) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(p)) {
      if (!line.isBlank()) {
        out.add(JSON.readTree(line));
      }
    }
    return out;
  }

  private static String sha(byte[] b) throws Exception {
    return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
