package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.data.Item;
import io.omniembed.data.Modality;
import io.omniembed.data.Part;
import io.omniembed.io.EmbeddingParquet;
import io.omniembed.io.Models;
import io.omniembed.model.ModelCard;
import io.omniembed.model.ModelSpec;
import io.omniembed.model.Prompts;
import io.omniembed.model.TextEmbedder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prompts at inference: the rule that puts them before items, their choice, and embed/eval. */
class PromptTest {

  private static final String MODEL = EmbedJobTest.MODEL;
  private static final ModelCard E5_LIKE = new ModelCard(
      Map.of("query", "query: ", "passage", "passage: "), null, List.of());

  @Test
  void aPromptGoesBeforeTheTextOrAsALeadingPartOfAMediaItem() {
    assertEquals(Item.text("a", "query: red fox"), Item.text("a", "red fox").withPrompt("query: "));
    Item media = new Item("m", List.of(new Part.Media(Modality.IMAGE, "x.png", null)));
    assertEquals(new Item("m", List.of(new Part.Text("query:"), media.parts().get(0))),
        media.withPrompt("query: "));
    assertEquals(media, media.withPrompt(""));
  }

  @Test
  void defaultsNamesAndRefusals() {
    Prompts d = Prompts.resolve(E5_LIKE, "m", null, null);
    assertEquals(new Prompts("query", "query: ", "passage", "passage: "), d);
    assertEquals(new Prompts(null, "", null, ""), Prompts.resolve(E5_LIKE, "m", "none", "none"));
    assertEquals(Prompts.NONE, Prompts.resolve(ModelCard.NONE, "m", null, null));
    ModelCard trained = new ModelCard(Map.of("code-doc2code", "Find the code: "), null,
        List.of());
    assertEquals(Prompts.NONE, Prompts.resolve(trained, "m", null, null),
        "task strings are used only when asked for");
    assertEquals("Find the code: ",
        Prompts.resolve(trained, "m", "code-doc2code", null).queryText());
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> Prompts.resolve(trained, "ckpt", "query", null));
    assertEquals("model ckpt has no prompt 'query' (it has code-doc2code)", unknown.getMessage());
  }

  @Test
  void embedPutsThePromptBeforeEveryItemAndRecordsIt(@TempDir Path dir) throws Exception {
    Path in = dir.resolve("items.jsonl");
    Files.writeString(in, "{\"id\": \"a\", \"text\": \"how do I read a parquet file\"}\n"
        + "{\"id\": \"b\", \"text\": \"spark runs batch jobs\"}\n");
    Path out = dir.resolve("v");
    JobRunner.Result r = JobRunner.run("embed", "--model", MODEL, "--input", in.toString(),
        "--out", out.toString(), "--prompt-text", "query: ", "--master", "local[1]");
    assertEquals(0, r.exitCode(), r.err());
    Map<String, float[]> vectors = EmbedJobTest.readWithSpark(out);
    TextEmbedder direct = Models.load(ModelSpec.parse(MODEL), new Configuration(), 1);
    float[] withPrompt = direct.embed(List.of(direct.tokenizer().encode(
        "query: how do I read a parquet file", 256).ids()))[0];
    float[] without = direct.embed(List.of(direct.tokenizer().encode(
        "how do I read a parquet file", 256).ids()))[0];
    assertArrayEquals(withPrompt, vectors.get("a"), 1e-6f);
    assertTrue(Math.abs(withPrompt[0] - without[0]) > 1e-4, "the prompt changes the vector");
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
        new org.apache.hadoop.fs.Path(Files.list(out).filter(p -> p.toString()
            .endsWith(".parquet")).findFirst().orElseThrow().toString()), new Configuration()))) {
      assertEquals("query: ", reader.getFooter().getFileMetaData().getKeyValueMetaData()
          .get(EmbeddingParquet.PROMPT));
    }
    JsonNode summary = new ObjectMapper().readTree(out.resolve("_summary.json").toFile());
    assertEquals("query: ", summary.get("prompt").asText());

    JobRunner.Result other = JobRunner.run("embed", "--model", MODEL, "--input", in.toString(),
        "--out", out.toString(), "--master", "local[1]");
    assertEquals(1, other.exitCode());
    assertTrue(other.err().contains("prompt: 'query: ' vs ''"), other.err());

    JobRunner.Result unknown = JobRunner.run("embed", "--model", MODEL, "--input",
        in.toString(), "--out", dir.resolve("v2").toString(), "--prompt", "query");
    assertEquals("omniembed embed: error: model " + MODEL + " has no prompt 'query' (it has"
        + " none; give the text with --prompt-text)", unknown.err());
    JobRunner.Result both = JobRunner.run("embed", "--model", MODEL, "--input", in.toString(),
        "--out", dir.resolve("v3").toString(), "--prompt", "q", "--prompt-text", "q: ");
    assertEquals("omniembed embed: error: give --prompt or --prompt-text, not both", both.err());
  }
}
