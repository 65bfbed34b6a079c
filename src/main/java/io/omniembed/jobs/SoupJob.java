package io.omniembed.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.model.LoadedModel;
import io.omniembed.eval.Benchmark;
import io.omniembed.pipeline.Evaluation;
import io.omniembed.io.HadoopFiles;
import io.omniembed.io.Checkpoint;
import io.omniembed.model.Soup;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code soup}: average the parameters of checkpoints of one architecture. */
@Command(name = "soup", mixinStandardHelpOptions = true,
    description = {"Average the parameters of several checkpoints of one architecture (a model"
        + " soup).", "Uniform by default; with --greedy, checkpoints join in order of their"
        + " NDCG@10 on --benchmark, each only if the soup's NDCG@10 does not drop.",
        "All inputs must have the same model config, parameter layout and tokenizer; OUT/soup.json"
            + " records which were kept (and, with --greedy, their NDCG@10)."})
public final class SoupJob implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(SoupJob.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The record of a soup inside its checkpoint: {@code method} (uniform or greedy), {@code kept}
   * (the checkpoints averaged, in the order they joined) and {@code inputs}, one entry per input
   * in the order tried with {@code kept}; a greedy soup adds each input's own {@code ndcg@10},
   * the {@code soup_ndcg@10} of the soup with it, the {@code benchmark} and the final
   * {@code ndcg@10}.
   */
  static final String SOUP_FILE = "soup.json";

  @Option(names = "--inputs", required = true, arity = "1..*", paramLabel = "CKPT",
      description = "Checkpoint directories, hf:PATH (Hugging Face encoder folders) or"
          + " pretrained:all-MiniLM-L6-v2.")
  List<String> inputs;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output checkpoint.")
  String out;

  @Option(names = "--greedy", description = "Greedy soup by NDCG@10 on --benchmark.")
  boolean greedy;

  @Option(names = "--benchmark", paramLabel = "DIR", description = "Held-out benchmark (BEIR).")
  String benchmark;

  @Mixin
  SparkOptions spark;

  @Override
  public Integer call() throws Exception {
    if (greedy && benchmark == null) {
      throw new IllegalArgumentException("--greedy needs --benchmark DIR");
    }
    SparkSession session = spark.session("soup");
    Configuration conf = session.sparkContext().hadoopConfiguration();
    List<LoadedModel> loaded = new ArrayList<>();
    for (String in : inputs) {
      loaded.add(load(in, conf));
    }
    Soup.checkCompatible(inputs, loaded);
    ObjectNode record = JSON.createObjectNode();
    ArrayNode tried = JSON.createArrayNode();
    if (!greedy) {
      record.put("method", "uniform");
      for (String in : inputs) {
        tried.addObject().put("checkpoint", in).put("kept", true);
      }
      record.set("inputs", tried);
      record.set("kept", JSON.valueToTree(inputs));
      Checkpoint.save(Soup.average(loaded), loaded.get(0).tokenizerJson(),
          loaded.get(0).card(), "soup:" + inputs, out,
          soupJson(record), conf);
      System.out.printf("soup: uniform average of %d checkpoints -> %s%n", inputs.size(), out);
      return 0;
    }
    Benchmark bench = Benchmark.load(session, benchmark);
    List<double[]> scored = new ArrayList<>();   // {index, ndcg}
    for (int i = 0; i < inputs.size(); i++) {
      double ndcg = ndcg(session, bench, inputs.get(i));
      LOG.info("soup: {} NDCG@10 {}", inputs.get(i), String.format("%.4f", ndcg));
      scored.add(new double[] {i, ndcg});
    }
    // Stable: inputs of equal NDCG@10 are tried in the order given.
    scored.sort(Comparator.comparingDouble((double[] a) -> a[1]).reversed());
    List<LoadedModel> chosen = new ArrayList<>(List.of(loaded.get((int) scored.get(0)[0])));
    List<String> names = new ArrayList<>(List.of(inputs.get((int) scored.get(0)[0])));
    double best = scored.get(0)[1];
    tried.addObject().put("checkpoint", names.get(0)).put("ndcg@10", best)
        .put("soup_ndcg@10", best).put("kept", true);
    String scratch = HadoopFiles.child(out + ".candidates", "c");
    for (int k = 1; k < scored.size(); k++) {
      int i = (int) scored.get(k)[0];
      List<LoadedModel> trial = new ArrayList<>(chosen);
      trial.add(loaded.get(i));
      String dir = scratch + k;
      Checkpoint.save(Soup.average(trial), trial.get(0).tokenizerJson(), "soup-candidate", dir,
          conf);
      double ndcg = ndcg(session, bench, dir);
      LOG.info("soup: + {} -> NDCG@10 {} (best {})", inputs.get(i), String.format("%.4f", ndcg),
          String.format("%.4f", best));
      boolean keep = ndcg >= best;
      tried.addObject().put("checkpoint", inputs.get(i)).put("ndcg@10", scored.get(k)[1])
          .put("soup_ndcg@10", ndcg).put("kept", keep);
      if (keep) {
        chosen = trial;
        names.add(inputs.get(i));
        best = ndcg;
      }
    }
    HadoopFiles.fs(out, conf).delete(new org.apache.hadoop.fs.Path(out + ".candidates"), true);
    record.put("method", "greedy").put("benchmark", benchmark).put("ndcg@10", best);
    record.set("inputs", tried);
    record.set("kept", JSON.valueToTree(names));
    Checkpoint.save(Soup.average(chosen), chosen.get(0).tokenizerJson(), chosen.get(0).card(),
        "greedy-soup:" + names, out, soupJson(record), conf);
    System.out.printf("soup: greedy soup of %d of %d checkpoints %s, NDCG@10 %.4f -> %s%n",
        chosen.size(), inputs.size(), names, best, out);
    return 0;
  }

  /** {@code OUT/soup.json}: how the soup was made, written inside the soup's checkpoint. */
  private static Map<String, byte[]> soupJson(ObjectNode record) {
    return Map.of(SOUP_FILE, (record.toPrettyString() + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** A checkpoint directory, hf:PATH or pretrained:all-MiniLM-L6-v2 (an untuned model). */
  private static LoadedModel load(String in, Configuration conf) throws java.io.IOException {
    io.omniembed.model.ModelSpec spec = io.omniembed.model.ModelSpec.parse(in,
        io.omniembed.model.ModelSpec.Use.SOUP);
    try {
      return io.omniembed.io.Models.loaded(spec, 0, conf);
    } catch (java.io.FileNotFoundException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static double ndcg(SparkSession session, Benchmark bench, String model)
      throws java.io.IOException {
    return Evaluation.run(session, bench, model, 0, 32, 0).metrics().get("ndcg@10");
  }
}
