package io.omniembed.examples;

import io.omniembed.ml.Embedder;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The README's Spark ML example, runnable: reads JSON lines with {@code id} and {@code title} and
 * {@code body} columns, embeds title and body together with a Spark ML {@code Pipeline}, and
 * writes {@code id, embedding} as Parquet.
 *
 * <pre>
 *   spark-submit --class io.omniembed.examples.EmbedPipeline target/omniembed-*-all.jar \
 *       docs.jsonl pretrained:all-MiniLM-L6-v2 vectors.parquet
 * </pre>
 */
public final class EmbedPipeline {

  private EmbedPipeline() {}

  public static void main(String[] args) throws java.io.IOException {
    if (args.length != 3) {
      System.err.println("usage: EmbedPipeline INPUT_JSONL MODEL OUTPUT_PARQUET");
      System.exit(2);
    }
    SparkSession spark = SparkSession.builder().appName("embed-pipeline").getOrCreate();
    Dataset<Row> docs = spark.read().json(args[0]);          // id, title, body

    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
        new SQLTransformer().setStatement(
            "SELECT id, named_struct('title', title, 'text', body) AS item FROM __THIS__"),
        new Embedder()
            .setModelPath(args[1])        // checkpoint directory or pretrained:all-MiniLM-L6-v2
            .setInputCol("item")          // a string, an item struct, or an array of parts
            .setOutputCol("embedding")    // array<float>; setOutputType("vector") for ml.linalg
            .setDim(256)                  // Matryoshka: keep the first 256 dimensions
            .setBatchSize(32)
            .setHandleInvalid("skip")     // or "error", or "keep" with setErrorCol(...)
    });
    PipelineModel model = pipeline.fit(docs);                // no estimator to fit: a no-op
    model.transform(docs).select("id", "embedding").write().parquet(args[2]);
    model.write().overwrite().save(args[2] + ".pipeline");   // PipelineModel.load reads it back
    spark.stop();
  }
}
