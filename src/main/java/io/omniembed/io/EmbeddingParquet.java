package io.omniembed.io;

import io.omniembed.model.ItemEmbedding;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * The embeddings file format: Parquet with
 * <pre>
 *   required binary id (STRING);
 *   required group embedding (LIST) { repeated group list { required float element; } }
 * </pre>
 * which Spark, pandas/pyarrow, DuckDB and every other Parquet reader see as
 * {@code id: string, embedding: array<float>} (the standard three-level list). The file footer's
 * key-value metadata records {@value #MODEL_ID}, {@value #MODEL_HASH}, {@value #DIM} and
 * {@value #NORMALIZATION}, so a vector file always says which model made it.
 */
public final class EmbeddingParquet {

  public static final String MODEL_ID = "omniembed.model_id";
  public static final String MODEL_HASH = "omniembed.model_hash";
  public static final String DIM = "omniembed.dim";
  public static final String NORMALIZATION = "omniembed.normalization";

  public static final MessageType SCHEMA = Types.buildMessage()
      .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("id")
      .requiredList().requiredElement(PrimitiveTypeName.FLOAT).named("embedding")
      .named("omniembed_embedding");

  private EmbeddingParquet() {}

  /** The footer metadata of a file written by {@code modelId}/{@code modelHash} at {@code dim}. */
  public static Map<String, String> metadata(String modelId, String modelHash, int dim) {
    Map<String, String> m = new HashMap<>();
    m.put(MODEL_ID, modelId);
    m.put(MODEL_HASH, modelHash);
    m.put(DIM, Integer.toString(dim));
    m.put(NORMALIZATION, "l2");
    return m;
  }

  /** Opens a writer at {@code path} (overwriting it). */
  public static ParquetWriter<ItemEmbedding.Embedded> open(String path, Map<String, String> meta,
      Configuration conf) throws IOException {
    return new Builder(HadoopOutputFile.fromPath(new Path(path), conf), meta)
        .withConf(conf)
        .withCompressionCodec(CompressionCodecName.SNAPPY)
        .withWriteMode(org.apache.parquet.hadoop.ParquetFileWriter.Mode.OVERWRITE)
        .build();
  }

  private static final class Builder
      extends ParquetWriter.Builder<ItemEmbedding.Embedded, Builder> {
    private final Map<String, String> meta;

    Builder(org.apache.parquet.io.OutputFile file, Map<String, String> meta) {
      super(file);
      this.meta = meta;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected WriteSupport<ItemEmbedding.Embedded> getWriteSupport(Configuration conf) {
      return new Support(meta);
    }
  }

  private static final class Support extends WriteSupport<ItemEmbedding.Embedded> {
    private final Map<String, String> meta;
    private RecordConsumer out;

    Support(Map<String, String> meta) {
      this.meta = meta;
    }

    @Override
    public WriteContext init(Configuration configuration) {
      return new WriteContext(SCHEMA, meta);
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
      this.out = recordConsumer;
    }

    @Override
    public void write(ItemEmbedding.Embedded record) {
      out.startMessage();
      out.startField("id", 0);
      out.addBinary(Binary.fromString(record.id()));
      out.endField("id", 0);
      out.startField("embedding", 1);
      out.startGroup();
      float[] v = record.vector();
      if (v.length > 0) {
        out.startField("list", 0);
        for (float x : v) {
          out.startGroup();
          out.startField("element", 0);
          out.addFloat(x);
          out.endField("element", 0);
          out.endGroup();
        }
        out.endField("list", 0);
      }
      out.endGroup();
      out.endField("embedding", 1);
      out.endMessage();
    }
  }
}
