package io.omniembed.jobs;

import io.omniembed.io.OutputPrecision;
import io.omniembed.model.ModelSpec;
import io.omniembed.model.onnx.Inference;
import io.omniembed.pipeline.CorpusEmbedding;
import io.omniembed.pipeline.EmbedInput;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code embed}: items (JSONL or Parquet) in, Parquet vectors out. Parses the options and hands
 * them to {@link CorpusEmbedding}, which checks them against the model and the input and runs
 * the resumable units.
 */
@Command(name = "embed", mixinStandardHelpOptions = true,
    description = {"Embed items (JSONL or Parquet, any Hadoop path) into Parquet vectors.",
        "Writes OUT/part-NNNNN.parquet (id, embedding, L2-normalised, at --output-precision, then"
            + " the --keep-cols columns; model id, hash, dim, normalisation and precision in the"
            + " file metadata), OUT/_errors/*.jsonl for rows that could not be embedded (id,"
            + " source, reason), and OUT/_summary.json."})
public final class EmbedJob implements Callable<Integer> {

  @Option(names = "--model", required = true, paramLabel = "M",
      description = "Checkpoint directory, hf:PATH (a Hugging Face encoder folder) or"
          + " pretrained:all-MiniLM-L6-v2.")
  String model;

  @Option(names = "--input", required = true, paramLabel = "PATH",
      description = "JSONL or Parquet file, directory or glob.")
  String input;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  String out;

  @Option(names = "--partitions", paramLabel = "P", defaultValue = "0",
      description = "Input partitions (one output file each). Default: at least 2 per core.")
  int partitions;

  @Option(names = "--prompt", paramLabel = "NAME",
      description = "Put the model's prompt NAME before every item: a task string of a trained"
          + " checkpoint (named after its task) or a prompt of an imported model (E5: query,"
          + " passage).")
  String prompt;

  @Option(names = "--prompt-text", paramLabel = "TEXT",
      description = "Put TEXT before every item (instead of --prompt).")
  String promptText;

  @Option(names = "--sample", paramLabel = "N", defaultValue = "1000",
      description = "Also write about N embedded rows (a fixed hash sample of the ids) to"
          + " OUT/_sample.jsonl for plots (default: ${DEFAULT-VALUE}; 0: none).")
  int sample;

  @Option(names = "--id-col", paramLabel = "C",
      description = "The input column that holds the id (a string or an integer column)."
          + " Default: id, else _id.")
  String idCol;

  @Option(names = "--text-col", paramLabel = "C",
      description = "The input column that holds the text to embed (a string column).")
  String textCol;

  @Option(names = "--item-col", paramLabel = "C",
      description = "The input column that holds the item: a string (the text), an item struct"
          + " (text, title, image, audio, video, parts) or an array of parts. Default (with"
          + " neither --text-col nor --item-col): the row's own item fields.")
  String itemCol;

  @Option(names = "--keep-cols", paramLabel = "A,B", split = ",",
      description = "Input columns copied unchanged, with their types, into every output row.")
  List<String> keepCols = new ArrayList<>();

  @Option(names = "--output-precision", paramLabel = "P", defaultValue = "float32",
      description = "How vectors are stored: float32, float16 (half floats), int8 (round(x*127),"
          + " scale 1/127) or binary (sign bits, packed MSB first, with a bits column)"
          + " (default: ${DEFAULT-VALUE}).")
  String outputPrecision;

  @Mixin
  EmbeddingOptions embedding;

  @Mixin
  InferenceOptions engine;

  @Mixin
  SparkOptions spark;

  @Override
  public Integer call() throws Exception {
    ModelSpec.parse(model, ModelSpec.Use.EMBED);
    embedding.validate();
    Inference inference = engine.inference();
    if (sample < 0) {
      throw new IllegalArgumentException("--sample must be >= 0, got " + sample);
    }
    CorpusEmbedding.Request request = new CorpusEmbedding.Request(model, input, out,
        embedding.dim, embedding.batchSize, embedding.maxLength, partitions, sample,
        OutputPrecision.parse(outputPrecision),
        new EmbedInput.Columns(idCol, textCol, itemCol, keepCols), prompt, promptText,
        inference);
    CorpusEmbedding.Result result = CorpusEmbedding.run(spark.session("embed",
        engine.sparkSettings(spark)), request);
    System.out.println(result.message());
    return 0;
  }
}
