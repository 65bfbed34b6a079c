package io.omniembed.data.code;

import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.NodeList;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.body.Parameter;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.expr.AssignExpr;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.ObjectCreationExpr;
import com.github.javaparser.ast.expr.SimpleName;
import com.github.javaparser.ast.expr.UnaryExpr;
import com.github.javaparser.ast.expr.VariableDeclarationExpr;
import com.github.javaparser.ast.stmt.BlockStmt;
import com.github.javaparser.ast.stmt.ContinueStmt;
import com.github.javaparser.ast.stmt.ExpressionStmt;
import com.github.javaparser.ast.stmt.ForStmt;
import com.github.javaparser.ast.stmt.LabeledStmt;
import com.github.javaparser.ast.stmt.Statement;
import com.github.javaparser.ast.stmt.WhileStmt;
import com.github.javaparser.printer.DefaultPrettyPrinter;
import com.github.javaparser.printer.configuration.DefaultConfigurationOption;
import com.github.javaparser.printer.configuration.DefaultPrinterConfiguration;
import com.github.javaparser.printer.configuration.Indentation;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * {@code code2code}: the same method, rewritten by behaviour-preserving transformations, for clone
 * retrieval. Deterministic in the seed:
 * <ul>
 *   <li>parameters and local variables renamed (a name is renamed only when it is declared once in
 *       the method and the new name is used nowhere in it);</li>
 *   <li>adjacent independent statements swapped: both are declarations or assignments without
 *       calls, object creation or increments, and neither reads or writes what the other
 *       writes;</li>
 *   <li>{@code for} loops without {@code continue} rewritten as {@code while} loops in their own
 *       block (with {@code continue} the update would be skipped);</li>
 *   <li>formatting: printed again with another indentation.</li>
 * </ul>
 */
public final class CodeRewrite {

  private static final List<String> NAMES = List.of("value", "item", "count", "index", "result",
      "input", "current", "other", "limit", "element", "buffer", "total", "entry", "source",
      "target", "offset", "length", "node", "key", "data", "acc", "flag", "first", "last");

  private CodeRewrite() {}

  /** The rewritten method's code, or null when no transformation applied. */
  public static String rewrite(MethodDeclaration original, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    MethodDeclaration m = original.clone();
    m.getJavadocComment().ifPresent(c -> m.removeComment());
    m.getAllContainedComments().forEach(com.github.javaparser.ast.comments.Comment::remove);
    int changes = renameLocals(m, random) + swapIndependent(m, random) + forToWhile(m, random);
    if (changes == 0) {
      return null;
    }
    return print(m, random);
  }

  static String print(Node n, SplittableRandom random) {
    DefaultPrinterConfiguration config = new DefaultPrinterConfiguration();
    int style = random.nextInt(3);
    Indentation indent = style == 0 ? new Indentation(Indentation.IndentType.TABS, 1)
        : new Indentation(Indentation.IndentType.SPACES, style == 1 ? 2 : 4);
    config.addOption(new DefaultConfigurationOption(
        DefaultPrinterConfiguration.ConfigOption.INDENTATION, indent));
    config.removeOption(new DefaultConfigurationOption(
        DefaultPrinterConfiguration.ConfigOption.PRINT_COMMENTS));
    return new DefaultPrettyPrinter(config).print(n);
  }

  private static int renameLocals(MethodDeclaration m, SplittableRandom random) {
    Map<String, Integer> declared = new HashMap<>();
    for (Parameter p : m.getParameters()) {
      declared.merge(p.getNameAsString(), 1, Integer::sum);
    }
    for (VariableDeclarator v : m.findAll(VariableDeclarator.class)) {
      declared.merge(v.getNameAsString(), 1, Integer::sum);
    }
    Set<String> used = new HashSet<>();
    m.findAll(SimpleName.class).forEach(n -> used.add(n.getIdentifier()));
    Map<String, String> renames = new HashMap<>();
    for (Map.Entry<String, Integer> e : declared.entrySet()) {
      if (e.getValue() != 1 || random.nextDouble() < 0.2) {
        continue;
      }
      for (int attempt = 0; attempt < 8; attempt++) {
        String candidate = NAMES.get(random.nextInt(NAMES.size()));
        if (attempt > 3) {
          candidate = candidate + (1 + random.nextInt(9));
        }
        if (!used.contains(candidate)) {
          renames.put(e.getKey(), candidate);
          used.add(candidate);
          break;
        }
      }
    }
    if (renames.isEmpty()) {
      return 0;
    }
    m.getParameters().forEach(p -> rename(p.getName(), renames));
    m.findAll(VariableDeclarator.class).forEach(v -> rename(v.getName(), renames));
    m.findAll(NameExpr.class).forEach(n -> rename(n.getName(), renames));
    return renames.size();
  }

  private static void rename(SimpleName n, Map<String, String> renames) {
    String to = renames.get(n.getIdentifier());
    if (to != null) {
      n.setIdentifier(to);
    }
  }

  private static int swapIndependent(MethodDeclaration m, SplittableRandom random) {
    int swaps = 0;
    for (BlockStmt block : m.findAll(BlockStmt.class)) {
      NodeList<Statement> s = block.getStatements();
      for (int i = 0; i + 1 < s.size(); i++) {
        if (independent(s.get(i), s.get(i + 1)) && random.nextBoolean()) {
          Statement a = s.get(i).clone();
          Statement b = s.get(i + 1).clone();
          s.set(i, b);
          s.set(i + 1, a);
          swaps++;
          i++;
        }
      }
    }
    return swaps;
  }

  /** Both simple (no calls, creation or ++/--) and no write of one is read or written by the other. */
  static boolean independent(Statement a, Statement b) {
    if (!simple(a) || !simple(b)) {
      return false;
    }
    Set<String> wa = writes(a);
    Set<String> wb = writes(b);
    Set<String> ra = reads(a);
    Set<String> rb = reads(b);
    return disjoint(wa, rb) && disjoint(wa, wb) && disjoint(wb, ra);
  }

  private static boolean simple(Statement s) {
    if (!(s instanceof ExpressionStmt e)) {
      return false;
    }
    Expression x = e.getExpression();
    if (!(x instanceof VariableDeclarationExpr) && !(x instanceof AssignExpr)) {
      return false;
    }
    return x.findAll(MethodCallExpr.class).isEmpty()
        && x.findAll(ObjectCreationExpr.class).isEmpty()
        && x.findAll(UnaryExpr.class, u -> u.getOperator().name().contains("CREMENT")).isEmpty()
        && x.findAll(AssignExpr.class).size() <= 1;
  }

  private static Set<String> writes(Statement s) {
    Set<String> w = new LinkedHashSet<>();
    s.findAll(VariableDeclarator.class).forEach(v -> w.add(v.getNameAsString()));
    s.findAll(AssignExpr.class).forEach(a -> w.add(a.getTarget().toString()));
    return w;
  }

  private static Set<String> reads(Statement s) {
    Set<String> r = new LinkedHashSet<>();
    s.findAll(NameExpr.class).forEach(n -> r.add(n.getNameAsString()));
    s.findAll(com.github.javaparser.ast.expr.FieldAccessExpr.class)
        .forEach(f -> r.add(f.toString()));
    return r;
  }

  private static boolean disjoint(Set<String> a, Set<String> b) {
    for (String x : a) {
      if (b.contains(x)) {
        return false;
      }
    }
    return true;
  }

  private static int forToWhile(MethodDeclaration m, SplittableRandom random) {
    int n = 0;
    for (ForStmt f : m.findAll(ForStmt.class)) {
      if (!f.findAll(ContinueStmt.class).isEmpty() || f.getParentNode().orElse(null)
          instanceof LabeledStmt || f.getCompare().isEmpty() || random.nextBoolean()) {
        continue;
      }
      BlockStmt body = f.getBody() instanceof BlockStmt b ? b.clone()
          : new BlockStmt(new NodeList<>(f.getBody().clone()));
      for (Expression u : f.getUpdate()) {
        body.addStatement(new ExpressionStmt(u.clone()));
      }
      BlockStmt outer = new BlockStmt();
      for (Expression init : f.getInitialization()) {
        outer.addStatement(new ExpressionStmt(init.clone()));
      }
      outer.addStatement(new WhileStmt(f.getCompare().get().clone(), body));
      f.replace(outer);
      n++;
    }
    return n;
  }
}
