package io.omniembed.train;

import java.util.List;

/**
 * One worker's share of one step's global batch: the rows {@code offset .. offset+rows.size()−1}
 * of the {@code globalSize} examples of task {@code task} drawn for step {@code step}.
 */
public record StepRows(int step, String task, int offset, int globalSize,
    List<TokenizedExample> rows) {

  public StepRows {
    rows = List.copyOf(rows);
    if (offset < 0 || offset + rows.size() > globalSize) {
      throw new IllegalArgumentException("rows " + offset + ".." + (offset + rows.size())
          + " outside a batch of " + globalSize);
    }
  }
}
