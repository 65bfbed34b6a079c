package io.omniembed.data.code;

import com.github.javaparser.JavaParser;
import com.github.javaparser.ParseResult;
import com.github.javaparser.ParserConfiguration;
import com.github.javaparser.Position;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.comments.JavadocComment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The methods of a Java source file, parsed with JavaParser: for each method with a body, its
 * enclosing type, its name, the description of its Javadoc (plain words, tags dropped; empty when
 * it has none) and its code exactly as written, without the doc comment.
 */
public final class JavaMethods {

  /** One method. {@code decl} is the parsed declaration, for program transformations. */
  public record Method(String typeName, String name, String doc, String code,
      MethodDeclaration decl) {}

  /** The outcome of parsing one file: its methods, or why it could not be parsed. */
  public record Parsed(List<Method> methods, String error) {
    public boolean ok() {
      return error == null;
    }
  }

  private static final int MAX_CODE_CHARS = 4000;

  private JavaMethods() {}

  /** A parser for current Java (a fresh one per call: JavaParser instances are not shared). */
  static JavaParser parser() {
    return new JavaParser(new ParserConfiguration()
        .setLanguageLevel(ParserConfiguration.LanguageLevel.JAVA_17));
  }

  public static Parsed parse(String source) {
    ParseResult<CompilationUnit> result = parser().parse(source);
    if (!result.isSuccessful() || result.getResult().isEmpty()) {
      String why = result.getProblems().isEmpty() ? "unparseable"
          : result.getProblems().get(0).getVerboseMessage().lines().findFirst().orElse("");
      return new Parsed(List.of(), why);
    }
    int[] lineStarts = lineStarts(source);
    List<Method> out = new ArrayList<>();
    for (MethodDeclaration m : result.getResult().get().findAll(MethodDeclaration.class)) {
      if (m.getBody().isEmpty() || m.getBegin().isEmpty() || m.getEnd().isEmpty()) {
        continue;
      }
      String code = source.substring(offset(lineStarts, m.getBegin().get()),
          offset(lineStarts, m.getEnd().get()) + 1).strip();
      if (code.length() > MAX_CODE_CHARS) {
        continue;   // generated tables and giant switch methods are not useful examples
      }
      String doc = m.getJavadocComment().map(JavaMethods::description).orElse("");
      String type = m.findAncestor(TypeDeclaration.class).map(t -> t.getNameAsString())
          .orElse("");
      out.add(new Method(type, m.getNameAsString(), doc, code, m));
    }
    return new Parsed(out, null);
  }

  /** The description part of a Javadoc comment, as plain words. */
  static String description(JavadocComment c) {
    return Docs.plain(c.parse().getDescription().toText());
  }

  private static int[] lineStarts(String s) {
    List<Integer> starts = new ArrayList<>();
    starts.add(0);
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '\n') {
        starts.add(i + 1);
      }
    }
    return starts.stream().mapToInt(Integer::intValue).toArray();
  }

  private static int offset(int[] lineStarts, Position p) {
    return lineStarts[p.line - 1] + p.column - 1;
  }

  /** The first method named {@code name}, for tests. */
  static Optional<Method> find(Parsed p, String name) {
    return p.methods().stream().filter(m -> m.name().equals(name)).findFirst();
  }
}
