package io.omniembed.model;

/**
 * The prompts of a retrieval run: the text put before every query and before every document,
 * each with the name it came by (a prompt of the model's {@link ModelCard}, or null when none is
 * used). Which one is used by default is decided here: a model that names a {@code query} prompt
 * (E5, or a checkpoint trained on a task called {@code query}) gets it before queries, else its
 * default prompt; documents get its {@code passage} or {@code document} prompt when it has one.
 * A checkpoint's task strings are named after their tasks and are only used when asked for.
 */
public record Prompts(String queryName, String queryText, String corpusName, String corpusText) {

  /** No prompt on either side. */
  public static final Prompts NONE = new Prompts(null, "", null, "");

  /**
   * The prompts for {@code queryName}/{@code corpusName} (null: the model's default for that
   * side; "none": no prompt), refused when the model has no prompt of a given name.
   */
  public static Prompts resolve(ModelCard card, String model, String queryName,
      String corpusName) {
    String q = queryName != null ? queryName
        : card.prompts().containsKey("query") ? "query" : card.defaultPromptName();
    String c = corpusName != null ? corpusName
        : card.prompts().containsKey("passage") ? "passage"
            : card.prompts().containsKey("document") ? "document" : null;
    q = "none".equals(q) ? null : q;
    c = "none".equals(c) ? null : c;
    return new Prompts(q, q == null ? "" : card.prompt(q, model), c,
        c == null ? "" : card.prompt(c, model));
  }
}
