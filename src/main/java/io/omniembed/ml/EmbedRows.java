package io.omniembed.ml;

import io.omniembed.io.MediaSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.data.Item;
import io.omniembed.data.ItemParser;
import io.omniembed.io.HadoopConf;
import io.omniembed.model.ItemEmbedding;
import io.omniembed.io.Models;
import io.omniembed.model.TextEmbedder;
import io.omniembed.model.onnx.Inference;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The per-partition work of {@link Embedder}: reads a window of rows, embeds them through
 * {@link ItemEmbedding} (which sorts the window by length into batches), and emits the rows again
 * in their input order with the vector (and optional error, token-count and truncation columns)
 * appended. Lazy: one window of rows is held at a time.
 */
final class EmbedRows implements Serializable {

  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How the input value becomes an item. */
  enum Kind {
    /** A string that is the text. */
    TEXT,
    /** A JSON object of item content fields, without id (a struct or parts column). */
    CONTENT,
    /** A JSON item record with its own id (a line of a JSONL file). */
    RECORD
  }

  enum Invalid { ERROR, SKIP, KEEP }

  record Settings(String model, Inference inference, int dim, int batchSize, int window, int maxLength,
      String inputCol, Kind kind, int inputIndex, boolean vector, Invalid invalid,
      boolean errorCol, boolean tokensCol, boolean truncatedCol, HadoopConf hadoopConf,
      int sourceIndex, String prompt) implements Serializable {}

  private final Settings s;

  EmbedRows(Settings s) {
    this.s = s;
  }

  Iterator<Row> apply(int partition, Iterator<Row> rows) {
    TextEmbedder embedder = Models.embedder(s.model(), s.inference(), s.hadoopConf().get(),
        Embedder.threads());
    ItemEmbedding embedding = new ItemEmbedding(embedder, s.batchSize(), s.dim(), s.window(),
        s.maxLength(), MediaSource.loader(embedder.media(), s.hadoopConf().get()))
        .withPrompt(s.prompt());
    return new Iterator<>() {
      private final List<Row> out = new ArrayList<>();
      private int next;
      private long rowNumber;

      @Override
      public boolean hasNext() {
        while (next >= out.size()) {
          if (!rows.hasNext()) {
            return false;
          }
          fill();
        }
        return true;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return out.get(next++);
      }

      private void fill() {
        out.clear();
        next = 0;
        List<Row> window = new ArrayList<>(s.window());
        List<ItemEmbedding.Input> inputs = new ArrayList<>(s.window());
        while (rows.hasNext() && window.size() < s.window()) {
          Row r = rows.next();
          String source = s.sourceIndex() < 0 ? null : r.getString(s.sourceIndex());
          inputs.add(new ItemEmbedding.Input(source, parse(window.size(), r)));
          window.add(r);
        }
        float[][] vectors = new float[window.size()][];
        String[] errors = new String[window.size()];
        int[] tokens = new int[window.size()];
        boolean[] truncated = new boolean[window.size()];
        embedding.run(inputs.iterator(), new ItemEmbedding.Sink() {
          @Override
          public void embedded(ItemEmbedding.Embedded e) {
            int i = Integer.parseInt(e.id());
            vectors[i] = e.vector();
            tokens[i] = e.tokens();
            truncated[i] = e.truncated();
          }

          @Override
          public void failed(ItemEmbedding.Failed f) {
            errors[Integer.parseInt(f.id())] = f.reason();
          }
        });
        for (int i = 0; i < window.size(); i++) {
          long number = rowNumber++;
          if (vectors[i] == null) {
            String reason = errors[i] == null ? "not embedded" : errors[i];
            if (s.invalid() == Invalid.ERROR) {
              throw new IllegalArgumentException("Embedder: row " + number + " of partition "
                  + partition + ", column '" + s.inputCol() + "', cannot be embedded: " + reason
                  + " (set handleInvalid to skip or keep to go on)");
            }
            if (s.invalid() == Invalid.SKIP) {
              continue;
            }
          }
          out.add(output(window.get(i), vectors[i], errors[i], tokens[i], truncated[i]));
        }
      }
    };
  }

  /** The row's input as an item whose id is its index in the window. */
  private ItemParser.Result parse(int index, Row row) {
    String id = Integer.toString(index);
    if (row.isNullAt(s.inputIndex())) {
      return new ItemParser.Bad(id, "column '" + s.inputCol() + "' is null");
    }
    String value = row.getString(s.inputIndex());
    if (s.kind() == Kind.TEXT) {
      return value.isBlank() ? new ItemParser.Bad(id, "empty text")
          : new ItemParser.Ok(Item.text(id, value));
    }
    ItemParser.Result parsed;
    if (s.kind() == Kind.RECORD) {
      parsed = ItemParser.parseRecord(value);
    } else {
      JsonNode node;
      try {
        node = JSON.readTree(value);
      } catch (java.io.IOException e) {
        return new ItemParser.Bad(id, "unreadable content: " + e.getMessage());
      }
      parsed = ItemParser.parseContent(id, node);
    }
    if (parsed instanceof ItemParser.Ok ok) {
      return new ItemParser.Ok(new Item(id, ok.item().parts()));
    }
    return new ItemParser.Bad(id, ((ItemParser.Bad) parsed).reason());
  }

  private Row output(Row in, float[] vector, String error, int tokens, boolean truncated) {
    int keep = in.length() - 1;   // the input rendering is the last column
    List<Object> values = new ArrayList<>(keep + 4);
    for (int i = 0; i < keep; i++) {
      values.add(in.get(i));
    }
    if (vector == null) {
      values.add(null);
    } else if (s.vector()) {
      double[] d = new double[vector.length];
      for (int i = 0; i < d.length; i++) {
        d[i] = vector[i];
      }
      values.add(Vectors.dense(d));
    } else {
      values.add(toScala(vector));
    }
    if (s.errorCol()) {
      values.add(vector == null ? error : null);
    }
    if (s.tokensCol()) {
      values.add(vector == null ? null : tokens);
    }
    if (s.truncatedCol()) {
      values.add(vector == null ? null : truncated);
    }
    return RowFactory.create(values.toArray());
  }

  private static Object toScala(float[] v) {
    Float[] boxed = new Float[v.length];
    for (int i = 0; i < v.length; i++) {
      boxed[i] = v[i];
    }
    return scala.jdk.javaapi.CollectionConverters.asScala(java.util.Arrays.asList(boxed)).toSeq();
  }
}
