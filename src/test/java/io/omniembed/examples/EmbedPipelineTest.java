package io.omniembed.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.omniembed.ml.Embedder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the README's pipeline example as written, then reads what it wrote. */
class EmbedPipelineTest {

  @Test
  void writesParquetVectorsAndASavedPipeline(@TempDir Path dir) throws Exception {
    Path in = dir.resolve("docs.jsonl");
    Files.writeString(in, String.join("\n",
        "{\"id\": \"d1\", \"title\": \"Spark\", \"body\": \"batch jobs on clusters\"}",
        "{\"id\": \"d2\", \"title\": \"Parquet\", \"body\": \"a columnar file format\"}",
        "{\"id\": \"d3\", \"title\": \"\", \"body\": \"\"}",
        "{\"id\": \"d4\", \"body\": \"no title here\"}") + "\n");
    String out = dir.resolve("vectors.parquet").toString();
    Map<String, String> props = Map.of("spark.master", "local[2]",
        "spark.driver.host", "127.0.0.1", "spark.driver.bindAddress", "127.0.0.1",
        "spark.ui.enabled", "false");
    props.forEach(System::setProperty);
    try {
      EmbedPipeline.main(new String[] {in.toString(), "pretrained:all-MiniLM-L6-v2", out});
    } finally {
      props.keySet().forEach(System::clearProperty);
    }
    SparkSession spark = SparkSession.builder().master("local[1]")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false").getOrCreate();
    try {
      List<Row> rows = spark.read().parquet(out).orderBy("id").collectAsList();
      // d3 has no content at all and is skipped; the others are embedded at 256 dimensions
      assertEquals(List.of("d1", "d2", "d4"), rows.stream().map(r -> r.getString(0)).toList());
      for (Row r : rows) {
        assertEquals(256, r.getList(1).size());
      }
      PipelineModel back = PipelineModel.load(out + ".pipeline");
      assertEquals(256, ((Embedder) back.stages()[1]).getDim());
    } finally {
      spark.stop();
    }
  }
}
