package io.omniembed.data.code;

import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.body.Parameter;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.expr.BinaryExpr;
import com.github.javaparser.ast.expr.IntegerLiteralExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.NullLiteralExpr;
import com.github.javaparser.ast.stmt.IfStmt;
import com.github.javaparser.ast.stmt.ReturnStmt;
import com.github.javaparser.ast.stmt.ThrowStmt;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code code-feedback}: a method with one injected bug and a short description of how it fails;
 * the fix is the original method. Four kinds of mutation, each applied to one site chosen by the
 * seed:
 * <ul>
 *   <li>operator swap: a comparison or arithmetic operator replaced by its neighbour
 *       ({@code <} / {@code <=}, {@code ==} / {@code !=}, {@code +} / {@code -}, ...);</li>
 *   <li>off-by-one: an integer literal in a comparison or arithmetic moved by one;</li>
 *   <li>wrong variable: a use of a local or parameter replaced by another one of the method;</li>
 *   <li>missing null check: an {@code if (x == null) return/throw ...} guard removed.</li>
 * </ul>
 */
public final class BugInjector {

  /** The kinds of mutation. */
  public enum Kind { OPERATOR_SWAP, OFF_BY_ONE, WRONG_VARIABLE, MISSING_NULL_CHECK }

  /** A buggy variant: its kind, the failure description and the code. */
  public record Bug(Kind kind, String description, String code) {}

  private BugInjector() {}

  /** Every kind that has a site in {@code m}, each with one mutation chosen by the seed. */
  public static List<Bug> bugs(MethodDeclaration m, long seed) {
    List<Bug> out = new ArrayList<>();
    for (Kind k : Kind.values()) {
      Bug b = inject(m, k, new SplittableRandom(seed * 31 + k.ordinal()));
      if (b != null) {
        out.add(b);
      }
    }
    return out;
  }

  static Bug inject(MethodDeclaration original, Kind kind, SplittableRandom random) {
    MethodDeclaration m = original.clone();
    m.getAllContainedComments().forEach(com.github.javaparser.ast.comments.Comment::remove);
    m.getJavadocComment().ifPresent(c -> m.removeComment());
    String description;
    if (kind == Kind.OPERATOR_SWAP) {
      List<BinaryExpr> sites = m.findAll(BinaryExpr.class, b -> swap(b.getOperator()) != null
          && !b.getLeft().isStringLiteralExpr() && !b.getRight().isStringLiteralExpr());
      if (sites.isEmpty()) {
        return null;
      }
      BinaryExpr b = sites.get(random.nextInt(sites.size()));
      String before = b.toString();
      b.setOperator(swap(b.getOperator()));
      description = "Wrong result: the expression `" + b + "` does not do what `" + before
          + "` should.";
    } else if (kind == Kind.OFF_BY_ONE) {
      List<IntegerLiteralExpr> sites = m.findAll(IntegerLiteralExpr.class,
          i -> i.getParentNode().orElse(null) instanceof BinaryExpr
              && i.asNumber().intValue() < 1_000_000);
      if (sites.isEmpty()) {
        return null;
      }
      IntegerLiteralExpr lit = sites.get(random.nextInt(sites.size()));
      int v = lit.asNumber().intValue();
      int w = random.nextBoolean() || v == 0 ? v + 1 : v - 1;
      lit.setInt(w);
      description = "Off by one: results are wrong at the boundary (a bound is " + w
          + " where " + v + " is needed).";
    } else if (kind == Kind.WRONG_VARIABLE) {
      java.util.Set<String> declared = new java.util.LinkedHashSet<>();
      m.getParameters().stream().map(Parameter::getNameAsString).forEach(declared::add);
      m.findAll(VariableDeclarator.class).forEach(v -> declared.add(v.getNameAsString()));
      List<String> names = new ArrayList<>(declared);
      List<NameExpr> sites = m.findAll(NameExpr.class, n -> declared.contains(n.getNameAsString()));
      if (names.size() < 2 || sites.isEmpty()) {
        return null;
      }
      NameExpr use = sites.get(random.nextInt(sites.size()));
      String right = use.getNameAsString();
      List<String> others = new ArrayList<>(names);
      others.remove(right);
      String wrong = others.get(random.nextInt(others.size()));
      use.setName(wrong);
      description = "Uses the wrong variable: `" + wrong + "` where `" + right + "` is meant.";
    } else {
      List<IfStmt> guards = m.findAll(IfStmt.class, i -> i.getElseStmt().isEmpty()
          && i.getCondition() instanceof BinaryExpr b
          && (b.getLeft() instanceof NullLiteralExpr || b.getRight() instanceof NullLiteralExpr)
          && b.getOperator() == BinaryExpr.Operator.EQUALS
          && (!i.getThenStmt().findAll(ReturnStmt.class).isEmpty()
              || !i.getThenStmt().findAll(ThrowStmt.class).isEmpty()));
      if (guards.isEmpty()) {
        return null;
      }
      IfStmt g = guards.get(random.nextInt(guards.size()));
      BinaryExpr cond = (BinaryExpr) g.getCondition();
      String what = (cond.getLeft() instanceof NullLiteralExpr ? cond.getRight() : cond.getLeft())
          .toString();
      g.remove();
      description = "Throws NullPointerException when `" + what + "` is null.";
    }
    return new Bug(kind, description, m.toString());
  }

  private static BinaryExpr.Operator swap(BinaryExpr.Operator op) {
    return switch (op) {
      case LESS -> BinaryExpr.Operator.LESS_EQUALS;
      case LESS_EQUALS -> BinaryExpr.Operator.LESS;
      case GREATER -> BinaryExpr.Operator.GREATER_EQUALS;
      case GREATER_EQUALS -> BinaryExpr.Operator.GREATER;
      case EQUALS -> BinaryExpr.Operator.NOT_EQUALS;
      case NOT_EQUALS -> BinaryExpr.Operator.EQUALS;
      case PLUS -> BinaryExpr.Operator.MINUS;
      case MINUS -> BinaryExpr.Operator.PLUS;
      case AND -> BinaryExpr.Operator.OR;
      case OR -> BinaryExpr.Operator.AND;
      default -> null;
    };
  }
}
