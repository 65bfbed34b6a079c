package io.omniembed.data.code;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class JavadocPairsTest {

  private static final String SOURCE = """
      package x;
      /** A class doc, not a method. */
      public class Strings {
        /** The separator. */
        public static final String SEP = ",";

        /**
         * Returns the reverse of {@code s}, or <b>null</b> for null input.
         * Braces in strings "}" and chars '{' do not end the method.
         * @param s the input
         * @return reversed
         */
        @Deprecated
        @SuppressWarnings("unused")
        public static String reverse(String s) {
          if (s == null) { return null; } // a } in a comment
          String braces = "}}}";
          char c = '}';
          return new StringBuilder(s).reverse().toString();
        }

        /** Abstract methods have no body and are skipped. */
        abstract int size();

        /** Joins with {@link #SEP}. */
        static <T> String join(List<T> items) {
          return String.join(SEP, items.stream().map(String::valueOf).toList());
        }
      }
      """;

  @Test
  void extractsDocumentedMethodsWithTheirWholeBody() {
    List<JavadocPairs.Pair> pairs = JavadocPairs.extract(SOURCE);
    assertEquals(List.of("reverse", "join"), pairs.stream().map(JavadocPairs.Pair::methodName)
        .toList());
    JavadocPairs.Pair reverse = pairs.get(0);
    assertEquals("Strings", reverse.className());
    assertEquals("Returns the reverse of s, or null for null input. Braces in strings \"}\" and"
        + " chars '{' do not end the method.", reverse.doc());
    assertTrue(reverse.code().startsWith("public static String reverse(String s) {"));
    assertTrue(reverse.code().endsWith("return new StringBuilder(s).reverse().toString();\n  }"));
    assertFalse(reverse.code().contains("@return"), "the doc is removed from the code side");
    assertEquals("Joins with #SEP.", pairs.get(1).doc());
  }
}
