package io.omniembed.data.code;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code text2sql}: a generated schema, a SQL query drawn from a small grammar (selection,
 * filters, a join, aggregation with grouping, ordering, limits) and the question it answers,
 * rendered from templates. Table and column names come from a real vocabulary (WordNet nouns).
 * Hard negatives are minimal edits of the right query: another column, another comparison, or
 * another join key — each still valid SQL over the same schema, each answering a different
 * question.
 */
public final class SqlSynth {

  /** One example: the query text (schema and question), the SQL and its near misses. */
  public record Example(String question, String sql, List<String> negatives) {}

  private record Column(String name, boolean numeric) {}

  private record Table(String name, List<Column> columns) {}

  private static final String[] OPS = {">", "<", ">=", "<=", "="};
  private static final String[] OP_WORDS = {"greater than", "less than", "at least", "at most",
      "equal to"};
  private static final String[] AGGS = {"COUNT", "AVG", "SUM", "MAX", "MIN"};
  private static final String[] AGG_WORDS = {"number", "average", "total", "largest", "smallest"};

  private static final java.util.Set<String> SQL_WORDS = java.util.Set.of("select", "from",
      "where", "group", "order", "by", "limit", "join", "on", "table", "index", "key", "set",
      "case", "when", "then", "end", "union", "all", "and", "or", "not", "null", "as", "desc",
      "asc", "count", "sum", "avg", "max", "min", "id", "int", "text", "values", "view",
      "default", "check", "primary", "foreign", "references", "column", "row", "rows", "having",
      "distinct", "between", "like", "in", "is", "exists", "user", "date", "time", "timestamp");

  private final List<String> nouns;

  /** {@code nouns}: single-word lower-case nouns, at least 20. */
  public SqlSynth(List<String> nouns) {
    List<String> usable = nouns.stream()
        .filter(n -> n.matches("[a-z]{3,14}") && !SQL_WORDS.contains(n)).distinct().toList();
    if (usable.size() < 20) {
      throw new IllegalArgumentException("text2sql needs at least 20 nouns, got "
          + usable.size());
    }
    this.nouns = usable;
  }

  public Example generate(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    Table a = table(r);
    Table b = table(r);
    while (b.name.equals(a.name)) {
      b = table(r);
    }
    String fk = a.name + "_id";
    String schema = "Schema: " + render(a) + "; " + b.name + "(id INT, " + fk + " INT, "
        + columnsOf(b) + ").";
    int shape = r.nextInt(4);
    Column num = numeric(a, r);
    Column other = pick(a, r, num);
    int op = r.nextInt(OPS.length);
    int value = 1 + r.nextInt(100);
    String sql;
    String question;
    List<String> negatives = new ArrayList<>();
    Column other2 = pick(a, r, other);
    switch (shape) {
      case 0 -> {   // selection with a filter
        sql = "SELECT " + other.name + " FROM " + a.name + " WHERE " + num.name + " " + OPS[op]
            + " " + value;
        question = "List the " + words(other) + " of every " + a.name + " whose " + words(num)
            + " is " + OP_WORDS[op] + " " + value + ".";
        negatives.add(swapWord(sql, other.name, other2.name));
        negatives.add(sql.replace(" " + OPS[op] + " ", " " + OPS[(op + 1) % OPS.length] + " "));
      }
      case 1 -> {   // ordering and a limit
        int k = 1 + r.nextInt(10);
        boolean desc = r.nextBoolean();
        sql = "SELECT " + other.name + " FROM " + a.name + " ORDER BY " + num.name
            + (desc ? " DESC" : " ASC") + " LIMIT " + k;
        question = "Which " + k + " " + a.name + (k > 1 ? " rows have" : " row has") + " the "
            + (desc ? "highest" : "lowest") + " " + words(num) + "? Show their " + words(other)
            + ".";
        negatives.add(sql.replace(desc ? " DESC" : " ASC", desc ? " ASC" : " DESC"));
        negatives.add(swapWord(sql, other.name, other2.name));
      }
      case 2 -> {   // aggregation with grouping
        int g = r.nextInt(AGGS.length);
        String agg = AGGS[g] + "(" + (g == 0 ? "*" : num.name) + ")";
        sql = "SELECT " + other.name + ", " + agg + " FROM " + a.name + " GROUP BY "
            + other.name;
        question = "For each " + words(other) + " of " + a.name + ", what is the "
            + AGG_WORDS[g] + (g == 0 ? " of rows" : " " + words(num)) + "?";
        int h = (g + 1 + r.nextInt(AGGS.length - 1)) % AGGS.length;
        negatives.add(sql.replace(agg, AGGS[h] + "(" + (h == 0 ? "*" : num.name) + ")"));
        negatives.add(swapWord(sql, other.name, other2.name));
      }
      default -> {  // a join with a filter
        Column bcol = b.columns.get(r.nextInt(b.columns.size()));
        sql = "SELECT " + a.name + "." + other.name + ", " + b.name + "." + bcol.name + " FROM "
            + a.name + " JOIN " + b.name + " ON " + b.name + "." + fk + " = " + a.name + ".id"
            + " WHERE " + a.name + "." + num.name + " " + OPS[op] + " " + value;
        question = "Show the " + words(other) + " of each " + a.name + " with the " + words(bcol)
            + " of its " + b.name + " records, for " + a.name + " rows whose " + words(num)
            + " is " + OP_WORDS[op] + " " + value + ".";
        negatives.add(sql.replace(b.name + "." + fk + " = " + a.name + ".id", b.name + ".id = "
            + a.name + ".id"));
        negatives.add(sql.replace(" " + OPS[op] + " " + value, " "
            + OPS[(op + 1) % OPS.length] + " " + value));
      }
    }
    negatives.removeIf(n -> n.equals(sql));
    return new Example(schema + " Question: " + question, sql, negatives);
  }

  private Table table(SplittableRandom r) {
    String name = nouns.get(r.nextInt(nouns.size()));
    List<Column> cols = new ArrayList<>();
    int n = 3 + r.nextInt(3);
    while (cols.size() < n) {
      String c = nouns.get(r.nextInt(nouns.size()));
      if (!c.equals(name) && cols.stream().noneMatch(x -> x.name.equals(c))) {
        cols.add(new Column(c, cols.size() < 2 || r.nextBoolean()));
      }
    }
    return new Table(name, cols);
  }

  private static String render(Table t) {
    return t.name + "(id INT, " + columnsOf(t) + ")";
  }

  private static String columnsOf(Table t) {
    StringBuilder b = new StringBuilder();
    for (Column c : t.columns) {
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append(c.name).append(c.numeric ? " INT" : " TEXT");
    }
    return b.toString();
  }

  private static Column numeric(Table t, SplittableRandom r) {
    List<Column> nums = t.columns.stream().filter(Column::numeric).toList();
    return nums.get(r.nextInt(nums.size()));
  }

  private static Column pick(Table t, SplittableRandom r, Column not) {
    Column c;
    do {
      c = t.columns.get(r.nextInt(t.columns.size()));
    } while (c.equals(not));
    return c;
  }

  private static String swapWord(String sql, String from, String to) {
    return sql.replaceAll("\\b" + java.util.regex.Pattern.quote(from) + "\\b",
        java.util.regex.Matcher.quoteReplacement(to));
  }

  private static String words(Column c) {
    return c.name.replace('_', ' ').toLowerCase(Locale.ROOT);
  }
}
