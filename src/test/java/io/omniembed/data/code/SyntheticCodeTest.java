package io.omniembed.data.code;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.javaparser.StaticJavaParser;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.stmt.BlockStmt;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The synthetic code kinds on small real-looking sources. */
class SyntheticCodeTest {

  static final String SOURCE = """
      package demo;

      /** Text helpers. */
      public final class Strings {

        /**
         * Counts how often {@code c} occurs in <b>text</b>.
         *
         * @param text the text
         * @return the count
         */
        public static int count(String text, char c) {
          if (text == null) {
            return 0;
          }
          int n = 0;
          for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == c) {
              n++;
            }
          }
          return n;
        }

        /** @return nothing useful */
        static int twice(int x) {
          int a = x + 1;
          int b = x - 1;
          return a + b;
        }

        static int sum(int[] values) {
          int total = 0;
          int k = 0;
          while (k < values.length) {
            total += values[k];
            k++;
          }
          return total;
        }
      }
      """;

  static final Set<SyntheticCode.Kind> ALL = EnumSet.allOf(SyntheticCode.Kind.class);

  @Test
  void doc2codeTakesTheDescriptionAndTheCodeWithoutItsComment() {
    SyntheticCode.FileResult r = SyntheticCode.fromFile("demo/Strings.java", SOURCE, ALL, 1);
    assertNull(r.error());
    assertEquals(1, r.emptyDocs(), "twice() has only an @return tag");
    List<SyntheticCode.Example> docs = r.examples().stream()
        .filter(e -> e.task().equals("code-doc2code")).toList();
    assertEquals(1, docs.size());
    assertEquals("Counts how often c occurs in text .", docs.get(0).query());
    assertTrue(docs.get(0).positive().startsWith("public static int count(String text, char c)"));
    assertFalse(docs.get(0).positive().contains("@param"));
  }

  @Test
  void code2codeAndFeedbackProduceParseableDifferentCode() {
    SyntheticCode.FileResult r = SyntheticCode.fromFile("demo/Strings.java", SOURCE, ALL, 1);
    int rewrites = 0;
    int bugs = 0;
    for (SyntheticCode.Example e : r.examples()) {
      if (e.task().equals("code-code2code")) {
        rewrites++;
        assertNotEquals(e.query(), e.positive());
        MethodDeclaration m = StaticJavaParser.parseMethodDeclaration(e.positive());
        assertNotNull(m);
        assertFalse(e.negatives().contains(e.query()), "negatives are other methods");
      }
      if (e.task().equals("code-feedback")) {
        bugs++;
        String buggy = e.query().substring(e.query().indexOf('\n') + 1);
        assertNotEquals(e.positive(), buggy);
        StaticJavaParser.parseMethodDeclaration(buggy);
      }
    }
    assertTrue(rewrites >= 2, "count and sum have >= 3 statements: " + rewrites);
    assertTrue(bugs >= 2, "count and sum have mutation sites: " + bugs);
    assertEquals(r.examples(), SyntheticCode.fromFile("demo/Strings.java", SOURCE, ALL, 1)
        .examples(), "deterministic in the seed");
  }

  @Test
  void loopsBecomeWhileOnlyWithoutContinueAndSwapsRespectDependencies() {
    MethodDeclaration withContinue = StaticJavaParser.parseMethodDeclaration(
        "int f(int[] a) { int s = 0; for (int i = 0; i < a.length; i++) { if (a[i] < 0) continue;"
            + " s += a[i]; } return s; }");
    for (long seed = 0; seed < 20; seed++) {
      String out = CodeRewrite.rewrite(withContinue, seed);
      assertTrue(out == null || out.contains("for ("), "continue would skip the update: " + out);
    }
    BlockStmt b = StaticJavaParser.parseBlock("{ int a = x + 1; int b = a * 2; int c = y; }");
    assertFalse(CodeRewrite.independent(b.getStatement(0), b.getStatement(1)), "b reads a");
    assertTrue(CodeRewrite.independent(b.getStatement(1), b.getStatement(2)));
    BlockStmt calls = StaticJavaParser.parseBlock("{ int a = next(); int b = next(); }");
    assertFalse(CodeRewrite.independent(calls.getStatement(0), calls.getStatement(1)),
        "calls may have side effects");
    boolean sawWhile = false;
    MethodDeclaration plain = StaticJavaParser.parseMethodDeclaration(
        "int f(int[] a) { int s = 0; for (int i = 0; i < a.length; i++) { s += a[i]; } return s; }");
    for (long seed = 0; seed < 20 && !sawWhile; seed++) {
      String out = CodeRewrite.rewrite(plain, seed);
      sawWhile = out != null && out.contains("while (") && !out.contains("for (");
    }
    assertTrue(sawWhile, "a plain for loop is rewritten as while for some seed");
  }

  @Test
  void bugKindsEachChangeOneThing() {
    MethodDeclaration m = StaticJavaParser.parseMethodDeclaration(
        "int f(String s, int n) { if (s == null) { return -1; } int k = n + 2;"
            + " return s.length() < k ? 0 : 1; }");
    List<BugInjector.Bug> bugs = BugInjector.bugs(m, 3);
    assertEquals(4, bugs.size(), bugs.toString());
    BugInjector.Bug nullCheck = bugs.stream()
        .filter(b -> b.kind() == BugInjector.Kind.MISSING_NULL_CHECK).findFirst().orElseThrow();
    assertFalse(nullCheck.code().contains("== null"));
    assertEquals("Throws NullPointerException when `s` is null.", nullCheck.description());
  }

  @Test
  void text2sqlQueriesNameTheSchemaAndNegativesAreNearMisses() {
    List<String> nouns = List.of("river", "city", "mountain", "lake", "harbor", "bridge",
        "tower", "garden", "market", "school", "museum", "station", "forest", "island", "valley",
        "castle", "temple", "library", "factory", "stadium", "select", "order");
    SqlSynth synth = new SqlSynth(nouns);
    for (SyntheticCode.Example e : SyntheticCode.text2sql(synth, 0, 40, 5)) {
      assertTrue(e.query().startsWith("Schema: "), e.query());
      assertTrue(e.positive().startsWith("SELECT "), e.positive());
      assertFalse(e.positive().contains("select ") || e.positive().contains(" order "),
          "SQL words are not used as names: " + e.positive());
      assertFalse(e.negatives().isEmpty());
      for (String n : e.negatives()) {
        assertNotEquals(e.positive(), n);
      }
    }
  }

  @Test
  void jsDocFunctionsAndUnparseableFiles() {
    String js = """
        /**
         * Creates an array of elements split into groups the length of `size`.
         *
         * @param {Array} array The array to process.
         * @returns {Array} Returns the new array of chunks.
         */
        function chunk(array, size) {
          return [array.slice(0, size)];
        }
        /** Undocumented helper. @private */
        function helper() { return 1; }
        """;
    SyntheticCode.FileResult r = SyntheticCode.fromFile("lodash.js", js, ALL, 0);
    assertNull(r.error());
    assertEquals(2, r.examples().size());
    assertEquals("Creates an array of elements split into groups the length of `size`.",
        r.examples().get(0).query());
    assertTrue(r.examples().get(0).positive().startsWith("function chunk(array, size)"));

    assertNotNull(SyntheticCode.fromFile("Broken.java", "class { void", ALL, 0).error());
    assertNotNull(SyntheticCode.fromFile("broken.js", "function (", ALL, 0).error());
  }
}
