package io.omniembed.data.code;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.javaparser.ast.stmt.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Synthetic code training data from real code, one source file at a time (pure, no Spark): the
 * kinds of the Gemini Embedding 2 recipe's synthetic code data, each built by a program
 * transformation instead of a generator model, deterministically from a seed.
 */
public final class SyntheticCode {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A kind of synthetic data, its command-line name and the training task it feeds. */
  public enum Kind {
    DOC2CODE("doc2code"), CODE2CODE("code2code"), TEXT2SQL("text2sql"),
    CODE_FEEDBACK("code-feedback");

    public final String cliName;

    Kind(String cliName) {
      this.cliName = cliName;
    }

    /** The task name in the output: {@code code-doc2code}, ..., {@code code-feedback}. */
    public String task() {
      return this == CODE_FEEDBACK ? "code-feedback" : "code-" + cliName;
    }

    public static Kind parse(String name) {
      for (Kind k : values()) {
        if (k.cliName.equals(name.strip().toLowerCase(Locale.ROOT))) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown kind '" + name + "' (known: doc2code,"
          + " code2code, text2sql, code-feedback)");
    }
  }

  /** One training example (strings are text items). */
  public record Example(String task, String query, String positive, List<String> negatives) {

    public String toJson() {
      ObjectNode n = JSON.createObjectNode();
      n.put("task", task).put("query", query).put("positive", positive);
      ArrayNode neg = n.putArray("negatives");
      negatives.forEach(neg::add);
      return n.toString();
    }
  }

  /**
   * What one file gave: examples, methods whose doc comment has no description (counted, not
   * used for doc2code), or the reason it could not be parsed.
   */
  public record FileResult(List<Example> examples, int emptyDocs, String error) {}

  private static final int MIN_STATEMENTS = 3;
  private static final int CLASS_NEGATIVES = 3;

  private SyntheticCode() {}

  /** Examples of {@code kinds} from one source file ({@code .java} or {@code .js}). */
  public static FileResult fromFile(String path, String content, Set<Kind> kinds, long seed) {
    long fileSeed = io.omniembed.data.Seeds.mix(seed, path.hashCode());
    if (path.endsWith(".js")) {
      return fromJavaScript(path, content, kinds);
    }
    JavaMethods.Parsed parsed = JavaMethods.parse(content);
    if (!parsed.ok()) {
      return new FileResult(List.of(), 0, parsed.error());
    }
    List<Example> out = new ArrayList<>();
    int emptyDocs = 0;
    List<JavaMethods.Method> methods = parsed.methods();
    for (int i = 0; i < methods.size(); i++) {
      JavaMethods.Method m = methods.get(i);
      long s = io.omniembed.data.Seeds.mix(fileSeed, i);
      boolean hasDocComment = m.decl().getJavadocComment().isPresent();
      if (kinds.contains(Kind.DOC2CODE) && hasDocComment) {
        if (m.doc().isEmpty()) {
          emptyDocs++;
        } else {
          out.add(new Example(Kind.DOC2CODE.task(), m.doc(), m.code(), List.of()));
        }
      }
      int statements = m.decl().findAll(Statement.class).size() - 1;   // minus the body block
      if (statements < MIN_STATEMENTS) {
        continue;
      }
      if (kinds.contains(Kind.CODE2CODE)) {
        String rewritten = CodeRewrite.rewrite(m.decl(), s);
        if (rewritten != null) {
          out.add(new Example(Kind.CODE2CODE.task(), m.code(), rewritten,
              siblings(methods, i, new SplittableRandom(s))));
        }
      }
      if (kinds.contains(Kind.CODE_FEEDBACK)) {
        List<BugInjector.Bug> bugs = BugInjector.bugs(m.decl(), s);
        if (!bugs.isEmpty()) {
          SplittableRandom r = new SplittableRandom(io.omniembed.data.Seeds.mix(s, 7));
          int pick = r.nextInt(bugs.size());
          BugInjector.Bug bug = bugs.get(pick);
          List<String> negatives = new ArrayList<>();
          if (bugs.size() > 1) {
            negatives.add(bugs.get((pick + 1 + r.nextInt(bugs.size() - 1)) % bugs.size()).code());
          }
          out.add(new Example(Kind.CODE_FEEDBACK.task(), bug.description() + "\n" + bug.code(),
              m.code(), negatives));
        }
      }
    }
    return new FileResult(out, emptyDocs, null);
  }

  private static FileResult fromJavaScript(String path, String content, Set<Kind> kinds) {
    if (!kinds.contains(Kind.DOC2CODE)) {
      return new FileResult(List.of(), 0, null);
    }
    JsDocFunctions.Parsed parsed = JsDocFunctions.parse(content, path);
    if (!parsed.ok()) {
      return new FileResult(List.of(), 0, parsed.error());
    }
    List<Example> out = new ArrayList<>();
    for (JsDocFunctions.Function f : parsed.functions()) {
      out.add(new Example(Kind.DOC2CODE.task(), f.doc(), f.code(), List.of()));
    }
    return new FileResult(out, 0, null);
  }

  /** Up to three other methods of the same type as {@code i}: clone-retrieval hard negatives. */
  private static List<String> siblings(List<JavaMethods.Method> methods, int i,
      SplittableRandom r) {
    JavaMethods.Method m = methods.get(i);
    List<String> same = new ArrayList<>();
    for (int j = 0; j < methods.size(); j++) {
      JavaMethods.Method o = methods.get(j);
      if (j != i && o.typeName().equals(m.typeName()) && !o.code().equals(m.code())) {
        same.add(o.code());
      }
    }
    List<String> chosen = new ArrayList<>();
    while (!same.isEmpty() && chosen.size() < CLASS_NEGATIVES) {
      chosen.add(same.remove(r.nextInt(same.size())));
    }
    return chosen;
  }

  /** text2sql examples {@code from .. to−1} of a run with {@code seed}. */
  public static List<Example> text2sql(SqlSynth synth, long from, long to, long seed) {
    List<Example> out = new ArrayList<>();
    for (long i = from; i < to; i++) {
      SqlSynth.Example e = synth.generate(io.omniembed.data.Seeds.mix(seed, 0x5A1, i));
      out.add(new Example(Kind.TEXT2SQL.task(), e.question(), e.sql(), e.negatives()));
    }
    return out;
  }

  /**
   * Common nouns from a WordNet {@code index.noun}: single words whose senses occur at least once
   * in WordNet's tagged corpus (its {@code tagsense_cnt}), so schemas read like real ones rather
   * than like a list of rare taxa.
   */
  public static List<String> wordnetNouns(String indexNoun) {
    List<String> out = new ArrayList<>();
    for (String line : indexNoun.split("\n")) {
      if (line.isEmpty() || line.startsWith(" ")) {
        continue;
      }
      // lemma pos synset_cnt p_cnt [ptr_symbol × p_cnt] sense_cnt tagsense_cnt offsets...
      String[] f = line.trim().split("\\s+");
      if (f.length < 6 || !f[0].matches("[a-z]{3,14}")) {
        continue;
      }
      int pointers = Integer.parseInt(f[3]);
      int tagged = 5 + pointers;
      if (tagged < f.length && Integer.parseInt(f[tagged]) > 0) {
        out.add(f[0]);
      }
    }
    return out;
  }

  /** All kinds, in order. */
  public static List<Kind> all() {
    return Arrays.asList(Kind.values());
  }
}
