package io.omniembed.data.code;

import java.util.ArrayList;
import java.util.List;
import org.mozilla.javascript.CompilerEnvirons;
import org.mozilla.javascript.Context;
import org.mozilla.javascript.EvaluatorException;
import org.mozilla.javascript.Parser;
import org.mozilla.javascript.ast.AstRoot;
import org.mozilla.javascript.ast.FunctionNode;

/**
 * The documented functions of a JavaScript file, parsed with Rhino: a function whose JSDoc
 * comment has a description, with that description (tags dropped) and the function's code
 * without the comment.
 */
public final class JsDocFunctions {

  /** One documented function. */
  public record Function(String name, String doc, String code) {}

  /** The functions of one file, or why it could not be parsed. */
  public record Parsed(List<Function> functions, String error) {
    public boolean ok() {
      return error == null;
    }
  }

  private static final int MAX_CODE_CHARS = 4000;

  private JsDocFunctions() {}

  public static Parsed parse(String source, String name) {
    CompilerEnvirons env = new CompilerEnvirons();
    env.setLanguageVersion(Context.VERSION_ES6);
    env.setRecordingComments(true);
    env.setRecordingLocalJsDocComments(true);
    env.setRecoverFromErrors(false);
    AstRoot root;
    try {
      root = new Parser(env).parse(source, name, 1);
    } catch (EvaluatorException | IllegalStateException e) {
      return new Parsed(List.of(), "line " + (e instanceof EvaluatorException ee ? ee.lineNumber()
          : 0) + ": " + e.getMessage());
    }
    List<Function> out = new ArrayList<>();
    root.visitAll(node -> {
      if (node instanceof FunctionNode f && f.getJsDoc() != null) {
        String doc = Docs.descriptionOf(f.getJsDoc());
        String fname = f.getFunctionName() == null ? "" : f.getFunctionName().getIdentifier();
        int start = f.getAbsolutePosition();
        String code = source.substring(start, start + f.getLength()).strip();
        if (!doc.isEmpty() && !fname.isEmpty() && code.length() <= MAX_CODE_CHARS) {
          out.add(new Function(fname, doc, code));
        }
      }
      return true;
    });
    return new Parsed(out, null);
  }
}
