package io.omniembed.data.multimodal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.data.Seeds;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A multimodal training set and its held-out cross-modal benchmarks, built from installed
 * sources into a local directory:
 *
 * <pre>
 *   OUT/train/pairs-media.jsonl      text2image, text2audio, audio2text, text2video pairs
 *   OUT/train/media/…                their images, WAV clips and GIF clips (paths relative)
 *   OUT/bench-text2image/            BEIR layout, corpus items with "image" fields
 *   OUT/bench-text2audio/            English names → English speech
 *   OUT/bench-text2video/            captions → composed clips (four motions per image)
 *   OUT/speech-A-B/                  speech in language A → names in language B (the ablation)
 *   OUT/manifest.json                counts per source, split and task; what is composed
 * </pre>
 *
 * <p>Each image (emoji, flag, Fashion-MNIST garment) falls into training or validation by a hash
 * of its key, so no benchmark image, clip or spoken name is seen in training. Every record made
 * from a composed clip carries {@code "source": "composed"}. It runs on one machine, where the
 * sources are installed (Debian and npm packages) and espeak-ng runs, two voices at a time.
 */
public final class MultimodalDataset {

  /**
   * What to build from: the unpacked sources (null when not used), the languages, the limits per
   * kind, the held-out share, the seed and the output directory.
   */
  public record Settings(Path emoji, Path cldr, List<String> languages, Path flags,
      Path isoCodes, Path fashion, int fashionLimit, boolean speech, int speechLimit,
      int clipLimit, int clipFrames, double validFraction, int benchSize, long seed, Path out) {

    public Settings {
      if (emoji == null && flags == null && fashion == null) {
        throw new IllegalArgumentException("give at least one source: --emoji with --cldr,"
            + " --flags, --fashion-mnist");
      }
      if (emoji != null && cldr == null) {
        throw new IllegalArgumentException("--emoji needs --cldr for the names");
      }
      languages = List.copyOf(languages);
      if (!languages.contains("en")) {
        throw new IllegalArgumentException("--languages must include en");
      }
      if (validFraction <= 0 || validFraction >= 1) {
        throw new IllegalArgumentException("--valid-fraction must be in (0, 1), got "
            + validFraction);
      }
    }
  }

  private final Path emoji;
  private final Path cldr;
  private final List<String> languages;
  private final Path flags;
  private final Path isoCodes;
  private final Path fashion;
  private final int fashionLimit;
  private final boolean speech;
  private final int speechLimit;
  private final int clipLimit;
  private final int clipFrames;
  private final double validFraction;
  private final int benchSize;
  private final long seed;
  private final Path out;
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Map<String, Integer> counts = new LinkedHashMap<>();

  public MultimodalDataset(Settings s) {
    this.emoji = s.emoji();
    this.cldr = s.cldr();
    this.languages = s.languages();
    this.flags = s.flags();
    this.isoCodes = s.isoCodes();
    this.fashion = s.fashion();
    this.fashionLimit = s.fashionLimit();
    this.speech = s.speech();
    this.speechLimit = s.speechLimit();
    this.clipLimit = s.clipLimit();
    this.clipFrames = s.clipFrames();
    this.validFraction = s.validFraction();
    this.benchSize = s.benchSize();
    this.seed = s.seed();
    this.out = s.out();
  }

  /** Builds the dataset under {@code settings.out()}; returns the counts of the manifest. */
  public Map<String, Integer> build() throws Exception {
    if (speech && !Speech.available()) {
      throw new IllegalArgumentException("--speech needs espeak-ng (Debian: apt-get install"
          + " espeak-ng)");
    }
    if (Files.exists(out) && Files.list(out).findAny().isPresent()) {
      throw new IllegalArgumentException("output " + out + " already exists and is not empty");
    }
    List<NamedImage> images = new ArrayList<>();
    if (emoji != null) {
      List<NamedImage> e = EmojiImages.read(emoji, cldr, languages).stream()
          .filter(i -> !i.names().get("en").startsWith("flag:"))   // flags come from --flags
          .collect(Collectors.toList());
      System.out.printf("make-multimodal: %d emoji with English names%n", e.size());
      images.addAll(e);
    }
    if (flags != null) {
      List<NamedImage> f = FlagImages.read(flags, isoCodes);
      System.out.printf("make-multimodal: %d flags%n", f.size());
      images.addAll(f);
    }
    List<NamedImage> garments = fashion == null ? List.of()
        : FashionMnist.read(fashion, "train", fashionLimit);
    List<NamedImage> train = new ArrayList<>();
    List<NamedImage> valid = new ArrayList<>();
    for (NamedImage i : images) {
      (held(i.key()) ? valid : train).add(i);
    }
    dropAmbiguous(valid);
    Collections.shuffle(train, new Random(seed));
    Collections.shuffle(valid, new Random(seed + 1));

    Path trainDir = out.resolve("train");
    try (BufferedWriter pairs = writer(trainDir.resolve("pairs-media.jsonl"))) {
      Map<String, String> written = new HashMap<>();
      for (NamedImage i : train) {
        String path = saveImage(trainDir, i, written);
        for (Map.Entry<String, String> name : i.names().entrySet()) {
          pair(pairs, "text2image", text(name.getValue()), media("image", path), i.source());
        }
      }
      for (NamedImage g : garments) {
        if (!held(g.key())) {
          String path = saveImage(trainDir, g, written);
          pair(pairs, "text2image", text(g.names().get("en")), media("image", path), g.source());
        }
      }
      List<NamedImage> emojiTrain = train.stream().filter(i -> i.source().equals("emoji"))
          .collect(Collectors.toList());
      for (NamedImage i : emojiTrain.subList(0, Math.min(clipLimit, emojiTrain.size()))) {
        for (ComposedClips.Motion m : ComposedClips.Motion.values()) {
          String path = saveClip(trainDir, i, m);
          pair(pairs, "text2video", text(ComposedClips.caption(i.names().get("en"), m)),
              media("video", path), "composed");
        }
      }
      if (speech) {
        for (String lang : languages) {
          List<NamedImage> named = emojiTrain.stream().filter(i -> i.names().containsKey(lang))
              .limit(speechLimit).collect(Collectors.toList());
          List<String> paths = speak(trainDir, named, lang);
          for (int k = 0; k < named.size(); k++) {
            String name = named.get(k).names().get(lang);
            pair(pairs, "text2audio", text(name), media("audio", paths.get(k)), "espeak-ng");
            pair(pairs, "audio2text", media("audio", paths.get(k)), text(name), "espeak-ng");
          }
        }
      }
    }

    List<NamedImage> benchImages = valid.subList(0, Math.min(benchSize, valid.size()));
    writeBench(out.resolve("bench-text2image"), benchImages, "en", "image", null);
    List<NamedImage> validEmoji = valid.stream().filter(i -> i.source().equals("emoji"))
        .collect(Collectors.toList());
    List<NamedImage> clipImages = validEmoji.subList(0, Math.min(benchSize / 4,
        validEmoji.size()));
    writeBench(out.resolve("bench-text2video"), clipImages, "en", "video", null);
    if (speech) {
      List<NamedImage> spoken = validEmoji.subList(0, Math.min(benchSize, validEmoji.size()));
      writeBench(out.resolve("bench-text2audio"), spoken, "en", "audio", null);
      for (String[] ab : ablationPairs()) {
        List<NamedImage> both = spoken.stream().filter(i -> i.names().containsKey(ab[0])
            && i.names().containsKey(ab[1])).collect(Collectors.toList());
        dropAmbiguous(both, ab[1]);
        writeBench(out.resolve("speech-" + ab[0] + "-" + ab[1]), both, ab[1], "speech",
            ab[0]);
      }
    }
    ObjectNode manifest = JSON.createObjectNode();
    counts.forEach(manifest::put);
    manifest.put("composed", "every text2video pair and the bench-text2video clips are composed"
        + " (an image moving across a white frame, captioned from a template)");
    manifest.put("languages", String.join(",", languages));
    Files.writeString(out.resolve("manifest.json"), JSON.writerWithDefaultPrettyPrinter()
        .writeValueAsString(manifest));
    return counts;
  }


  /** Language pairs of the speech ablation: in-language, then cross-language. */
  private List<String[]> ablationPairs() {
    List<String[]> pairs = new ArrayList<>();
    for (String l : languages) {
      pairs.add(new String[] {l, l});
    }
    for (String l : languages) {
      if (!l.equals("en")) {
        pairs.add(new String[] {l, "en"});
        pairs.add(new String[] {"en", l});
      }
    }
    return pairs;
  }

  /**
   * One benchmark: queries are names (or, for {@code speech}, spoken names in {@code speakLang}
   * as audio queries and names in {@code lang} as the corpus); the corpus is the images, clips or
   * spoken names.
   */
  private void writeBench(Path dir, List<NamedImage> items, String lang, String kind,
      String speakLang) throws Exception {
    Files.createDirectories(dir.resolve("qrels"));
    List<String> spoken = null;
    if (kind.equals("audio")) {
      spoken = speak(dir, items, lang);
    } else if (kind.equals("speech")) {
      spoken = speak(dir, items, speakLang);
    }
    try (BufferedWriter corpus = writer(dir.resolve("corpus.jsonl"));
        BufferedWriter queries = writer(dir.resolve("queries.jsonl"));
        BufferedWriter qrels = writer(dir.resolve("qrels/test.tsv"))) {
      qrels.write("query-id\tcorpus-id\tscore\n");
      Map<String, String> written = new HashMap<>();
      int q = 0;
      for (int k = 0; k < items.size(); k++) {
        NamedImage i = items.get(k);
        String name = i.names().get(lang);
        switch (kind) {
          case "image" -> {
            String path = saveImage(dir, i, written);
            corpus.write(line(doc("d" + k, "image", path)));
            queries.write(line(query("q" + q, text(name))));
            qrels.write("q" + q++ + "\td" + k + "\t1\n");
          }
          case "video" -> {
            for (ComposedClips.Motion m : ComposedClips.Motion.values()) {
              String id = "d" + k + "-" + m.ordinal();
              corpus.write(line(doc(id, "video", saveClip(dir, i, m))));
              queries.write(line(query("q" + q, text(ComposedClips.caption(name, m)))));
              qrels.write("q" + q++ + "\t" + id + "\t1\n");
            }
          }
          case "audio" -> {
            corpus.write(line(doc("d" + k, "audio", spoken.get(k))));
            queries.write(line(query("q" + q, text(name))));
            qrels.write("q" + q++ + "\td" + k + "\t1\n");
          }
          default -> {   // speech: audio query, text corpus
            ObjectNode d = JSON.createObjectNode();
            d.put("_id", "d" + k);
            d.put("text", name);
            corpus.write(line(d));
            ObjectNode query = media("audio", spoken.get(k));
            query.put("_id", "q" + q);
            query.put("transcript_source", speakLang + ":" + i.names().get(speakLang));
            queries.write(line(query));
            qrels.write("q" + q++ + "\td" + k + "\t1\n");
          }
        }
      }
      counts.merge(dir.getFileName() + " queries", q, Integer::sum);
    }
  }

  private boolean held(String key) {
    long h = Seeds.mix(seed, key.hashCode(), key.length());
    return Math.floorMod(h, 1_000_000) < validFraction * 1_000_000;
  }

  /** Benchmark items whose English names repeat would have ambiguous answers: keep the first. */
  private static void dropAmbiguous(List<NamedImage> items) {
    dropAmbiguous(items, "en");
  }

  private static void dropAmbiguous(List<NamedImage> items, String lang) {
    Map<String, Integer> seen = new HashMap<>();
    items.removeIf(i -> seen.merge(i.names().get(lang).toLowerCase(java.util.Locale.ROOT), 1,
        Integer::sum) > 1);
  }

  private String saveImage(Path dir, NamedImage i, Map<String, String> written)
      throws IOException {
    String existing = written.get(i.key());
    if (existing != null) {
      return existing;
    }
    String rel = "media/image/" + fileName(i.key()) + ".png";
    write(dir.resolve(rel), i.png());
    written.put(i.key(), rel);
    counts.merge("images", 1, Integer::sum);
    return rel;
  }

  private String saveClip(Path dir, NamedImage i, ComposedClips.Motion m) throws Exception {
    String rel = "media/video/" + fileName(i.key()) + "-" + m.name().toLowerCase(
        java.util.Locale.ROOT) + ".gif";
    write(dir.resolve(rel), ComposedClips.clip(i.png(), m, clipFrames, 64));
    counts.merge("composed clips", 1, Integer::sum);
    return rel;
  }

  /** Speaks each item's name in {@code lang}, two at a time; returns the relative paths. */
  private List<String> speak(Path dir, List<NamedImage> items, String lang) {
    List<String> rel = new ArrayList<>();
    for (NamedImage i : items) {
      rel.add("media/audio/" + lang + "/" + fileName(i.key()) + ".wav");
    }
    AtomicInteger done = new AtomicInteger();
    java.util.stream.IntStream.range(0, items.size()).parallel().forEach(k -> {
      try {
        Path wav = dir.resolve(rel.get(k));
        if (!Files.exists(wav)) {
          Files.createDirectories(wav.getParent());
          Speech.synthesize(items.get(k).names().get(lang), lang, wav);
        }
        int n = done.incrementAndGet();
        if (n % 200 == 0) {
          System.out.printf("make-multimodal: %s speech %d/%d%n", lang, n, items.size());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    counts.merge("speech clips " + lang, items.size(), Integer::sum);
    return rel;
  }

  private void pair(BufferedWriter w, String task, ObjectNode query, ObjectNode positive,
      String source) throws IOException {
    ObjectNode r = JSON.createObjectNode();
    r.put("task", task);
    r.set("query", query);
    r.set("positive", positive);
    r.put("source", source);
    w.write(line(r));
    counts.merge("pairs " + task, 1, Integer::sum);
  }

  private static ObjectNode text(String t) {
    ObjectNode n = JSON.createObjectNode();
    n.put("text", t);
    return n;
  }

  private static ObjectNode media(String field, String path) {
    ObjectNode n = JSON.createObjectNode();
    n.put(field, path);
    return n;
  }

  private static ObjectNode doc(String id, String field, String path) {
    ObjectNode n = media(field, path);
    n.put("_id", id);
    return n;
  }

  private static ObjectNode query(String id, ObjectNode content) {
    ObjectNode n = JSON.createObjectNode();
    n.put("_id", id);
    n.setAll(content);
    return n;
  }

  private static String line(ObjectNode n) throws IOException {
    return JSON.writeValueAsString(n) + "\n";
  }

  private static String fileName(String key) {
    return key.replaceAll("[^A-Za-z0-9_-]", "_");
  }

  private static void write(Path p, byte[] bytes) throws IOException {
    Files.createDirectories(p.getParent());
    Files.write(p, bytes);
  }

  private static BufferedWriter writer(Path p) throws IOException {
    Files.createDirectories(p.getParent());
    return Files.newBufferedWriter(p, StandardCharsets.UTF_8);
  }
}
