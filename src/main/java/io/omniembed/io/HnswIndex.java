package io.omniembed.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Version;

/**
 * The approximate index of a {@link VectorSet}: Lucene HNSW vectors (Malkov &amp; Yashunin,
 * 2018) in {@code DIR/_hnsw/}, beside the Parquet files it was built from, on any Hadoop
 * filesystem. Lucene needs a local directory, so the index is written to a local temporary
 * directory and copied up; a search opens it in place on a local filesystem and from a local
 * copy otherwise.
 *
 * <p>{@code _hnsw/manifest.json}, written after every index file is in place, records the
 * model, dimension, vector count and the Parquet files (names, sizes, modification times) the
 * index covers. An index whose files no longer match the set is stale and is never searched: its
 * results would silently leave out, or still return, vectors that changed.
 *
 * <p>Vectors are scored by {@link VectorSimilarityFunction#DOT_PRODUCT}, cosine on these
 * L2-normalised vectors. Lucene reports {@code (1 + dot) / 2}; hits carry the dot product back,
 * so scores read the same as those of exact search.
 */
public final class HnswIndex implements Closeable {

  /** The index directory inside a vector set. */
  public static final String DIR = "_hnsw";
  public static final String MANIFEST = "manifest.json";
  private static final String FORMAT = "omniembed-hnsw-1";
  private static final String ID = "id";
  private static final String VECTOR = "vector";
  /**
   * Lucene's defaults: up to 16 neighbours per node (32 on the bottom layer: 128 bytes a vector,
   * a twelfth of a 384-dimensional float vector) and 100 candidates kept while inserting.
   * docs/benchmarks.md gives the recall and speed they reach ({@code jobs/bench/search.sh}).
   */
  public static final int MAX_CONN = Lucene99HnswVectorsFormat.DEFAULT_MAX_CONN;
  public static final int BEAM_WIDTH = Lucene99HnswVectorsFormat.DEFAULT_BEAM_WIDTH;

  /** Documents handed to an indexing thread at a time. */
  private static final int INDEXING_BATCH = 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What an index was built from. */
  public record Manifest(String modelId, String modelHash, int dim, long vectors,
      List<VectorSet.DataFile> files, int maxConn, int beamWidth, String lucene,
      double buildSeconds) {

    public Manifest {
      files = List.copyOf(files);
    }

    public String toJson() {
      ObjectNode n = JSON.createObjectNode();
      n.put("format", FORMAT);
      n.put("model_id", modelId);
      n.put("model_hash", modelHash);
      n.put("dim", dim);
      n.put("vectors", vectors);
      n.put("max_conn", maxConn);
      n.put("beam_width", beamWidth);
      n.put("lucene", lucene);
      n.put("build_seconds", buildSeconds);
      ArrayNode fs = n.putArray("files");
      for (VectorSet.DataFile f : files) {
        fs.addObject().put("name", f.name()).put("length", f.length())
            .put("modified", f.modified());
      }
      return n.toPrettyString() + "\n";
    }

    static Manifest fromJson(String path, String json) throws IOException {
      JsonNode n = JSON.readTree(json);
      if (n == null || !FORMAT.equals(n.path("format").asText())) {
        throw new IOException(path + ": not an HNSW index manifest (format " + FORMAT + ")");
      }
      List<VectorSet.DataFile> files = new ArrayList<>();
      for (JsonNode f : n.path("files")) {
        files.add(new VectorSet.DataFile(f.path("name").asText(), f.path("length").asLong(),
            f.path("modified").asLong()));
      }
      return new Manifest(n.path("model_id").asText(), n.path("model_hash").asText(),
          n.path("dim").asInt(), n.path("vectors").asLong(), files, n.path("max_conn").asInt(),
          n.path("beam_width").asInt(), n.path("lucene").asText(),
          n.path("build_seconds").asDouble());
    }

    /**
     * How {@code set} differs from what the index covers, one entry per file added, removed or
     * changed (and the model or dimension); empty when the index is current.
     */
    public List<String> differences(VectorSet set) {
      List<String> out = new ArrayList<>();
      if (!modelHash.equals(set.meta().modelHash()) || dim != set.meta().dim()) {
        out.add("vectors now from model " + set.meta().modelId() + " at dim " + set.meta().dim()
            + ", index built for " + modelId + " at dim " + dim);
      }
      Map<String, VectorSet.DataFile> then = new LinkedHashMap<>();
      files.forEach(f -> then.put(f.name(), f));
      for (VectorSet.DataFile now : set.files()) {
        VectorSet.DataFile before = then.remove(now.name());
        if (before == null) {
          out.add(now.name() + " added");
        } else if (!before.equals(now)) {
          out.add(now.name() + " changed (" + before.length() + " bytes, modified "
              + before.modified() + " -> " + now.length() + " bytes, modified " + now.modified()
              + ")");
        }
      }
      then.keySet().forEach(name -> out.add(name + " removed"));
      return out;
    }
  }

  /** One approximate hit: a vector's id and its dot product with the query. */
  public record Neighbor(String id, float score) {}

  private final DirectoryReader reader;
  private final IndexSearcher searcher;
  private final FSDirectory directory;
  private final java.nio.file.Path localCopy;   // null when opened in place
  private final Manifest manifest;

  private HnswIndex(FSDirectory directory, java.nio.file.Path localCopy, Manifest manifest)
      throws IOException {
    this.directory = directory;
    this.localCopy = localCopy;
    this.manifest = manifest;
    this.reader = DirectoryReader.open(directory);
    this.searcher = new IndexSearcher(reader);
  }

  /** {@code DIR/_hnsw} of a vector set directory. */
  public static String path(String dir) {
    return HadoopFiles.child(dir, DIR);
  }

  /** The manifest of the index in {@code dir}, or null when there is no (complete) index. */
  public static Manifest manifest(String dir, Configuration conf) throws IOException {
    String path = HadoopFiles.child(path(dir), MANIFEST);
    if (!HadoopFiles.exists(path, conf)) {
      return null;
    }
    return Manifest.fromJson(path, HadoopFiles.readString(path, conf));
  }

  /**
   * Builds the index of {@code set} from {@code vectors} (every vector of the set, in any order)
   * and publishes it as {@code set.dir()/_hnsw}, replacing any earlier one; the manifest is
   * written last, so an interrupted build leaves no index that a search would take.
   */
  public static Manifest build(VectorSet set, Iterator<VectorSet.Vector> vectors,
      Configuration conf) throws IOException {
    int dim = set.meta().dim();
    int maxDim = new Lucene99HnswVectorsFormat().getMaxDimensions(VECTOR);
    if (dim > maxDim) {
      throw new IllegalArgumentException("index " + set.dir() + ": Lucene's HNSW vectors take at"
          + " most " + maxDim + " dimensions, these have " + dim);
    }
    long start = System.nanoTime();
    java.nio.file.Path local = Files.createTempDirectory("omniembed-hnsw-");
    int workers = Math.max(1, Runtime.getRuntime().availableProcessors());
    ExecutorService merges = workers > 1 ? Executors.newFixedThreadPool(workers) : null;
    // Lucene builds a segment's graph as its documents arrive, one thread per segment: batches
    // go to `workers` indexing threads (each fills its own segment), and the final merge into
    // one segment inserts the other segments' vectors into the largest graph with `workers`
    // threads. The reading thread runs a batch itself when all are busy, which bounds memory.
    ThreadPoolExecutor indexing = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(workers), new ThreadPoolExecutor.CallerRunsPolicy());
    try {
      long n = 0;
      try (FSDirectory d = FSDirectory.open(local);
          IndexWriter w = new IndexWriter(d, writerConfig(workers, merges))) {
        List<Future<?>> batches = new ArrayList<>();
        List<Document> batch = new ArrayList<>();
        while (vectors.hasNext()) {
          VectorSet.Vector v = vectors.next();
          if (v.values().length != dim) {
            throw new IllegalArgumentException("index " + set.dir() + ": vector '" + v.id()
                + "' has " + v.values().length + " dimensions, the files say " + dim);
          }
          Document doc = new Document();
          doc.add(new StoredField(ID, v.id()));
          doc.add(new KnnFloatVectorField(VECTOR, v.values(),
              VectorSimilarityFunction.DOT_PRODUCT));
          batch.add(doc);
          n++;
          if (batch.size() == INDEXING_BATCH || !vectors.hasNext()) {
            List<Document> docs = batch;
            batches.add(indexing.submit(() -> {
              w.addDocuments(docs);
              return null;
            }));
            batch = new ArrayList<>();
          }
        }
        for (Future<?> f : batches) {
          await(f);
        }
        // One segment: a search then walks one graph instead of one per indexing thread.
        w.forceMerge(1);
        w.commit();
      }
      if (n != set.count()) {
        throw new IllegalStateException("index " + set.dir() + ": read " + n + " vectors but the"
            + " Parquet footers count " + set.count());
      }
      Manifest m = new Manifest(set.meta().modelId(), set.meta().modelHash(), dim, n,
          set.files(), MAX_CONN, BEAM_WIDTH, Version.LATEST.toString(),
          (System.nanoTime() - start) / 1e9);
      publish(local, set.dir(), m, conf);
      return m;
    } finally {
      indexing.shutdownNow();
      if (merges != null) {
        merges.shutdownNow();
      }
      deleteRecursively(local);
    }
  }

  /** Waits for an indexing batch and rethrows what failed it. */
  private static void await(Future<?> f) throws IOException {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while building the index", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /**
   * Opens the index of {@code set} for search. Refuses a missing index and a stale one (its
   * manifest does not match the set's files), naming what changed.
   */
  public static HnswIndex open(VectorSet set, Configuration conf) throws IOException {
    Manifest m = manifest(set.dir(), conf);
    if (m == null) {
      throw new IllegalArgumentException("index " + set.dir() + " has no " + DIR
          + " index; build it with --build-index");
    }
    List<String> stale = m.differences(set);
    if (!stale.isEmpty()) {
      throw new IllegalArgumentException("index " + path(set.dir()) + " is stale: "
          + String.join("; ", stale) + "; rebuild it with --build-index, or search with"
          + " --exact");
    }
    Path remote = new Path(path(set.dir()));
    FileSystem fs = HadoopFiles.fs(remote.toString(), conf);
    if ("file".equals(fs.getScheme())) {
      java.nio.file.Path inPlace = java.nio.file.Path.of(fs.makeQualified(remote).toUri());
      return new HnswIndex(FSDirectory.open(inPlace), null, m);
    }
    java.nio.file.Path copy = Files.createTempDirectory("omniembed-hnsw-");
    try {
      java.nio.file.Path target = copy.resolve(DIR);
      fs.copyToLocalFile(false, remote, new Path(target.toUri()), true);
      return new HnswIndex(FSDirectory.open(target), copy, m);
    } catch (IOException | RuntimeException e) {
      deleteRecursively(copy);
      throw e;
    }
  }

  public Manifest manifest() {
    return manifest;
  }

  /**
   * The approximate top {@code k} of {@code query} (L2-normalised, the index's dimension), best
   * first, ties by id as exact search breaks them. {@code candidates} (at least k) is the search
   * width: the graph is explored keeping that many candidates, and more find more of the true
   * top k at proportionally more cost.
   */
  public List<Neighbor> search(float[] query, int k, int candidates) {
    int width = Math.max(k, candidates);
    try {
      TopDocs top = searcher.search(new KnnFloatVectorQuery(VECTOR, query, width), width);
      ScoreDoc[] docs = top.scoreDocs;   // best first; Lucene breaks ties by doc number
      int end = Math.min(k, docs.length);
      while (end < docs.length && end > 0 && docs[end].score == docs[end - 1].score) {
        end++;   // keep everything tied with the k-th, so the id tie-break below is exact
      }
      StoredFields stored = searcher.storedFields();
      List<Neighbor> out = new ArrayList<>(end);
      for (int i = 0; i < end; i++) {
        out.add(new Neighbor(stored.document(docs[i].doc).get(ID), 2 * docs[i].score - 1));
      }
      out.sort(Comparator.comparingDouble(Neighbor::score).reversed()
          .thenComparing(Neighbor::id));
      return out.subList(0, Math.min(k, out.size()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      reader.close();
      directory.close();
    } finally {
      if (localCopy != null) {
        deleteRecursively(localCopy);
      }
    }
  }

  private static IndexWriterConfig writerConfig(int workers, ExecutorService merges) {
    KnnVectorsFormat format = new Lucene99HnswVectorsFormat(MAX_CONN, BEAM_WIDTH, workers,
        merges);
    // Lucene builds the graph as documents arrive and flushes a segment when this buffer
    // fills; a quarter of the heap keeps a set of a few hundred thousand vectors in one segment
    // (no graph merge at all) without risking the driver's memory.
    double heapMb = Runtime.getRuntime().maxMemory() / (double) (1 << 20);
    double bufferMb = Math.min(1900, Math.max(64, heapMb / 4));
    return new IndexWriterConfig()
        .setOpenMode(IndexWriterConfig.OpenMode.CREATE)
        .setRAMBufferSizeMB(bufferMb)
        .setUseCompoundFile(false)
        .setCodec(new Lucene912Codec() {
          @Override
          public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
            return format;
          }
        });
  }

  /** Copies the finished local index up; the manifest goes last. */
  private static void publish(java.nio.file.Path local, String dir, Manifest m,
      Configuration conf) throws IOException {
    Path target = new Path(path(dir));
    FileSystem fs = HadoopFiles.fs(target.toString(), conf);
    fs.delete(target, true);
    fs.mkdirs(target);
    try (Stream<java.nio.file.Path> files = Files.list(local)) {
      for (java.nio.file.Path f : files.toList()) {
        if (f.getFileName().toString().equals("write.lock")) {
          continue;
        }
        fs.copyFromLocalFile(false, true, new Path(f.toUri()),
            new Path(target, f.getFileName().toString()));
      }
    }
    HadoopFiles.writeString(new Path(target, MANIFEST).toString(), m.toJson(), conf);
  }

  private static void deleteRecursively(java.nio.file.Path dir) {
    try (Stream<java.nio.file.Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory left behind is harmless
    }
  }
}
