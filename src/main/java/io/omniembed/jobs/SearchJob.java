package io.omniembed.jobs;

import io.omniembed.model.Prompts;

import io.omniembed.eval.SearchReport;
import io.omniembed.io.HadoopFiles;
import io.omniembed.io.HnswIndex;
import io.omniembed.io.Models;
import io.omniembed.io.QueryItems;
import io.omniembed.io.VectorSet;
import io.omniembed.ml.Embedder;
import io.omniembed.model.ItemEmbedding;
import io.omniembed.model.ModelSpec;
import io.omniembed.model.TextEmbedder;
import io.omniembed.model.onnx.Inference;
import io.omniembed.pipeline.DenseRetrieval;
import io.omniembed.pipeline.VectorSearch;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code search}: the top k of an {@code embed} output for a text, media or JSONL query. */
@Command(name = "search", mixinStandardHelpOptions = true,
    description = {"Top-k search of an embed output (Parquet vectors, any Hadoop path) for"
        + " queries embedded with the model that made it.",
        "Exact by default (blocked matrix products over every vector, on the executors); with an"
            + " HNSW index in DIR/_hnsw (--build-index makes it) approximate, on the driver."
            + " Prints rank, score (cosine) and id per query; --out also writes them as JSON."})
public final class SearchJob implements Callable<Integer> {

  @Option(names = "--model", required = true, paramLabel = "M",
      description = "The model that embedded the index: checkpoint directory,"
          + " pretrained:all-MiniLM-L6-v2 or onnx:all-MiniLM-L6-v2; its id and parameter hash"
          + " must be those in the Parquet metadata.")
  String model;

  @Option(names = "--index", required = true, paramLabel = "DIR",
      description = "An embed --out directory (its part-*.parquet files).")
  String index;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Query query;

  /** Exactly one of the two query forms. */
  static final class Query {
    @Option(names = "--query", paramLabel = "TEXT", description = "A text query (id 'query').")
    String text;

    @Option(names = "--query-file", paramLabel = "PATH",
        description = "An image, audio or video file (by extension: .png .jpg .jpeg .gif .bmp"
            + " .wav .flac .ogg .mp3 .mp4; id: the file name), or a .jsonl file of query items"
            + " ({id, text | image | audio | video | parts}, media relative to the file).")
    String file;
  }

  @Option(names = "--query-prompt", paramLabel = "NAME",
      description = "The model's prompt put before every query (default: its 'query' prompt,"
          + " else its default prompt, else none; 'none' for none).")
  String queryPrompt;

  @Option(names = "--k", paramLabel = "N", defaultValue = "10",
      description = "Hits per query (default: ${DEFAULT-VALUE}).")
  int k;

  @Option(names = "--build-index",
      description = "Build the HNSW index DIR/_hnsw first (Lucene, dot product), unless a"
          + " current one is there; later searches use it until the Parquet files change.")
  boolean buildIndex;

  @Option(names = "--exact",
      description = "Search exactly even when DIR/_hnsw exists.")
  boolean exact;

  @Option(names = "--num-candidates", paramLabel = "N",
      description = "HNSW search width, at least --k: more finds more of the exact top k, at"
          + " proportional cost (default: 100, or --k if larger).")
  Integer candidates;

  @Option(names = "--out", paramLabel = "FILE.json",
      description = "Also write the hits as JSON (any Hadoop path).")
  String out;

  @Mixin
  InferenceOptions engine;

  @Mixin
  SparkOptions spark;

  @Override
  public Integer call() throws Exception {
    ModelSpec.parse(model, ModelSpec.Use.SEARCH);
    Inference inference = engine.inference();
    VectorSearch.Request request = new VectorSearch.Request(k, buildIndex, exact,
        candidates != null ? candidates : Math.max(k, VectorSearch.DEFAULT_CANDIDATES));
    SparkSession session = spark.session("search");
    Configuration conf = session.sparkContext().hadoopConfiguration();
    long start = System.nanoTime();
    VectorSet set = VectorSet.open(index, conf);
    List<ItemEmbedding.Input> queries = query.text != null ? QueryItems.text(query.text)
        : QueryItems.file(query.file, conf);
    TextEmbedder embedder = Models.embedder(model, inference, conf, Embedder.threads());
    int dim = set.queryDim(embedder);
    if (dim < embedder.dim()) {
      System.out.printf("search: the index holds the first %d of %d dimensions (Matryoshka);"
          + " queries are cut to them and re-normalised%n", dim, embedder.dim());
    }
    Prompts prompts = Prompts.resolve(embedder.card(), model, queryPrompt, "none");
    if (prompts.queryName() != null) {
      System.out.printf("search: queries with the model's prompt %s ('%s')%n",
          prompts.queryName(), prompts.queryText());
    }
    float[][] vectors = DenseRetrieval.embedQueries(embedder, queries, dim,
        VectorSearch.QUERY_BATCH, 0, prompts.queryText(), conf,
        query.text != null ? "--query" : query.file);
    List<String> ids = queries.stream().map(QueryItems::id).toList();

    VectorSearch.Outcome found = VectorSearch.run(session, set, ids, vectors, request);
    HnswIndex.Manifest m = found.index();
    if (found.built()) {
      System.out.printf("search: built HNSW index %s: %d vectors in %.1f s%n",
          HnswIndex.path(index), m.vectors(), m.buildSeconds());
    } else if (buildIndex) {
      System.out.printf("search: HNSW index %s is up to date; not rebuilt%n",
          HnswIndex.path(index));
    }
    boolean hnsw = found.method() == VectorSearch.Method.HNSW;
    System.out.println(hnsw
        ? String.format("search: approximate, HNSW index %s (%d vectors, %d candidates)",
            HnswIndex.path(index), m.vectors(), request.candidates())
        : String.format("search: exact, %d vectors in %d files", set.count(),
            set.files().size()));
    SearchReport report = new SearchReport(index, embedder.modelId(), embedder.modelHash(), dim,
        set.count(), found.method().key(), k, hnsw ? request.candidates() : 0, ids, found.hits(),
        (System.nanoTime() - start) / 1e9);
    System.out.print(report.table());
    if (out != null) {
      HadoopFiles.writeString(out, report.toJson(), conf);
      System.out.println("search: " + ids.size() + " queries -> " + out);
    }
    return 0;
  }
}
