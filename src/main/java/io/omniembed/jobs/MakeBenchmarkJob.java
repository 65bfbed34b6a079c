package io.omniembed.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.data.code.JavadocPairs;
import io.omniembed.io.HadoopFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code make-benchmark}: a code-retrieval benchmark in the BEIR layout from real Java sources
 * (sources jars, directories or .java files): queries are Javadoc descriptions, documents are the
 * methods' code without their docs, one relevant document per query. Every documented method is
 * in the corpus; up to {@code --max-queries} of them (a seeded sample) become queries. Queries
 * whose text is shared by several methods are dropped, since their answer is ambiguous.
 */
@Command(name = "make-benchmark", mixinStandardHelpOptions = true,
    description = {"Build a BEIR-layout retrieval benchmark from real sources: Javadoc -> method"
        + " from Java sources jars, directories or .java files, or WordNet gloss -> words.",
        "With --pairs TASK, write the same material as training pairs instead."})
public final class MakeBenchmarkJob implements Callable<Integer> {

  @Option(names = "--sources", arity = "1..*", paramLabel = "PATH",
      description = "Sources jar (-sources.jar), directory or .java file; repeatable.")
  List<String> sources = new ArrayList<>();

  @Option(names = "--wordnet", paramLabel = "DIR",
      description = "Instead of code: a WordNet gloss -> words benchmark from DIR/data.{noun,verb,"
          + "adj,adv} (Debian wordnet-base: /usr/share/wordnet).")
  String wordnet;

  @Option(names = "--pairs", paramLabel = "TASK",
      description = "Instead of a benchmark, write training pairs (task TASK) to OUT/pairs.jsonl:"
          + " every documented method (code) or synset (wordnet).")
  String pairsTask;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  String out;

  @Option(names = "--max-queries", defaultValue = "500", paramLabel = "N",
      description = "Queries to sample (default: ${DEFAULT-VALUE}).")
  int maxQueries;

  @Option(names = "--min-doc-chars", defaultValue = "30", paramLabel = "N",
      description = "Skip docs shorter than this (default: ${DEFAULT-VALUE}).")
  int minDocChars;

  @Option(names = "--max-corpus", defaultValue = "0", paramLabel = "N",
      description = "Keep at most N documents: every query's target plus a seeded sample of the"
          + " rest. Default: all.")
  int maxCorpus;

  @Option(names = "--seed", defaultValue = "17", description = "Sampling seed.")
  long seed;

  @Override
  public Integer call() throws Exception {
    Configuration conf = new Configuration();
    List<JavadocPairs.Pair> pairs = new ArrayList<>();
    if (wordnet != null) {
      for (String pos : List.of("noun", "verb", "adj", "adv")) {
        String file = HadoopFiles.child(wordnet, "data." + pos);
        if (!HadoopFiles.exists(file, conf)) {
          throw new java.io.FileNotFoundException("wordnet " + file + ": no such file (install"
              + " Debian's wordnet-base)");
        }
        for (var s : io.omniembed.data.WordNetGlosses.parse(HadoopFiles.readString(file, conf))) {
          pairs.add(new JavadocPairs.Pair(pos, s.id(), s.definition(), String.join(", ",
              s.words())));
        }
      }
    } else if (sources.isEmpty()) {
      throw new IllegalArgumentException("give --sources (code) or --wordnet DIR");
    }
    for (String s : sources) {
      read(s, conf, pairs);
    }
    if (pairs.isEmpty()) {
      throw new IllegalArgumentException("no documented methods found in " + sources);
    }
    if (pairsTask != null) {
      return writePairs(pairs, conf);
    }
    Map<String, Integer> docCount = new HashMap<>();
    pairs.forEach(p -> docCount.merge(p.doc(), 1, Integer::sum));
    List<Integer> candidates = new ArrayList<>();
    for (int i = 0; i < pairs.size(); i++) {
      JavadocPairs.Pair p = pairs.get(i);
      if (p.doc().length() >= minDocChars && docCount.get(p.doc()) == 1) {
        candidates.add(i);
      }
    }
    Collections.shuffle(candidates, new Random(seed));
    List<Integer> chosen = candidates.subList(0, Math.min(maxQueries, candidates.size()));

    ObjectMapper json = new ObjectMapper();
    StringBuilder corpus = new StringBuilder();
    java.util.Set<Integer> keep = new java.util.TreeSet<>(chosen);
    if (maxCorpus > 0) {
      List<Integer> rest = new ArrayList<>();
      for (int i = 0; i < pairs.size(); i++) {
        if (!keep.contains(i)) {
          rest.add(i);
        }
      }
      Collections.shuffle(rest, new Random(seed + 1));
      keep.addAll(rest.subList(0, Math.max(0, Math.min(rest.size(), maxCorpus - keep.size()))));
    } else {
      for (int i = 0; i < pairs.size(); i++) {
        keep.add(i);
      }
    }
    for (int i : keep) {
      JavadocPairs.Pair p = pairs.get(i);
      ObjectNode d = json.createObjectNode();
      d.put("_id", "d" + i);
      d.put("title", wordnet != null ? "" : p.className() + "." + p.methodName());
      d.put("text", p.code());
      corpus.append(json.writeValueAsString(d)).append('\n');
    }
    StringBuilder queries = new StringBuilder();
    StringBuilder qrels = new StringBuilder("query-id\tcorpus-id\tscore\n");
    for (int i : chosen) {
      ObjectNode q = json.createObjectNode();
      q.put("_id", "q" + i);
      q.put("text", pairs.get(i).doc());
      queries.append(json.writeValueAsString(q)).append('\n');
      qrels.append("q").append(i).append("\td").append(i).append("\t1\n");
    }
    HadoopFiles.writeString(HadoopFiles.child(out, "corpus.jsonl"), corpus.toString(), conf);
    HadoopFiles.writeString(HadoopFiles.child(out, "queries.jsonl"), queries.toString(), conf);
    HadoopFiles.writeString(HadoopFiles.child(out, "qrels/test.tsv"), qrels.toString(), conf);
    System.out.printf("make-benchmark: %d documents, %d queries -> %s%n", keep.size(),
        chosen.size(), out);
    return 0;
  }

  private int writePairs(List<JavadocPairs.Pair> pairs, Configuration conf) throws Exception {
    ObjectMapper json = new ObjectMapper();
    StringBuilder b = new StringBuilder();
    java.util.Set<String> seen = new java.util.HashSet<>();
    int n = 0;
    for (JavadocPairs.Pair p : pairs) {
      if (p.doc().length() < minDocChars || !seen.add(p.doc())) {
        continue;
      }
      ObjectNode o = json.createObjectNode();
      o.put("task", pairsTask);
      o.put("query", p.doc());
      o.put("positive", wordnet != null ? p.code() : p.className() + "." + p.methodName() + " "
          + p.code());
      b.append(o).append('\n');
      n++;
    }
    HadoopFiles.writeString(HadoopFiles.child(out, "pairs.jsonl"), b.toString(), conf);
    System.out.printf("make-benchmark: %d training pairs (task %s) -> %s/pairs.jsonl%n", n,
        pairsTask, out);
    return 0;
  }

  private static void read(String source, Configuration conf, List<JavadocPairs.Pair> out)
      throws IOException {
    Path p = new Path(source);
    FileSystem fs = p.getFileSystem(conf);
    if (!fs.exists(p)) {
      throw new java.io.FileNotFoundException("sources " + source + ": no such file or directory");
    }
    FileStatus status = fs.getFileStatus(p);
    if (status.isDirectory()) {
      var it = fs.listFiles(p, true);
      while (it.hasNext()) {
        Path f = it.next().getPath();
        if (f.getName().endsWith(".java")) {
          try (InputStream in = fs.open(f)) {
            out.addAll(JavadocPairs.extract(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
          }
        }
      }
    } else if (source.endsWith(".java")) {
      out.addAll(JavadocPairs.extract(HadoopFiles.readString(source, conf)));
    } else {
      try (ZipInputStream zip = new ZipInputStream(fs.open(p))) {
        ZipEntry e;
        while ((e = zip.getNextEntry()) != null) {
          if (e.getName().endsWith(".java")) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            zip.transferTo(b);
            out.addAll(JavadocPairs.extract(b.toString(StandardCharsets.UTF_8)));
          }
        }
      }
    }
  }
}
