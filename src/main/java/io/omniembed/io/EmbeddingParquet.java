package io.omniembed.io;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
 *   optional ... (the kept columns, {@link KeptColumns})
 * </pre>
 * which Spark, pandas/pyarrow, DuckDB and every other Parquet reader see as
 * {@code id: string, embedding: array<float>} (the standard three-level list). The element type
 * follows the {@link OutputPrecision}: {@code float}, {@code fixed_len_byte_array(2) (FLOAT16)}
 * (little-endian, as the Parquet format fixes) or {@code int32 (INT(8, signed))}; for
 * {@code binary} the column is {@code required binary embedding} (the packed sign bits) followed
 * by {@code required int32 bits} (how many of them are components).
 *
 * <p>The file footer's key-value metadata records {@value #MODEL_ID}, {@value #MODEL_HASH},
 * {@value #DIM}, {@value #NORMALIZATION}, {@value #ENGINE} with {@value #ENGINE_PRECISION} (what
 * ran the model) and {@value #PRECISION} (how vectors are stored), plus {@value #QUANTIZATION}
 * (how to read the stored values) below float32 and {@value #SCALE} for int8, so a vector file
 * always says which model made it and how to turn it back into floats.
 */
public final class EmbeddingParquet {

  public static final String MODEL_ID = "omniembed.model_id";
  public static final String MODEL_HASH = "omniembed.model_hash";
  public static final String DIM = "omniembed.dim";
  public static final String NORMALIZATION = "omniembed.normalization";
  /** The prompt put before every item, when there was one. */
  public static final String PROMPT = "omniembed.prompt";
  public static final String PRECISION = "omniembed.precision";
  /** What ran the model: {@code onnx} (ONNX Runtime) or {@code nd4j} (the own encoder). */
  public static final String ENGINE = "omniembed.engine";
  /** The number format the model ran in: {@code fp32} or {@code int8}. */
  public static final String ENGINE_PRECISION = "omniembed.engine_precision";
  public static final String SCALE = "omniembed.scale";
  public static final String QUANTIZATION = "omniembed.quantization";

  public static final String ID = "id";
  public static final String EMBEDDING = "embedding";
  public static final String BITS = "bits";

  /** What a file holds besides the ids: the vectors' precision and the kept columns. */
  public record Layout(OutputPrecision precision, KeptColumns kept) implements Serializable {

    public static final Layout DEFAULT = new Layout(OutputPrecision.FLOAT32, KeptColumns.NONE);

    /** The columns of the file that the writer makes (not kept from the input). */
    public List<String> ownColumns() {
      return precision == OutputPrecision.BINARY ? List.of(ID, EMBEDDING, BITS)
          : List.of(ID, EMBEDDING);
    }

    /** Every column, in file order. */
    public List<String> columns() {
      List<String> all = new ArrayList<>(ownColumns());
      all.addAll(kept.names());
      return all;
    }

    public MessageType schema() {
      Types.MessageTypeBuilder b = Types.buildMessage();
      b.required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(ID);
      switch (precision) {
        case FLOAT32 -> b.requiredList().requiredElement(PrimitiveTypeName.FLOAT).named(EMBEDDING);
        case FLOAT16 -> b.requiredList().requiredElement(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY)
            .length(2).as(LogicalTypeAnnotation.float16Type()).named(EMBEDDING);
        case INT8 -> b.requiredList().requiredElement(PrimitiveTypeName.INT32)
            .as(LogicalTypeAnnotation.intType(8, true)).named(EMBEDDING);
        case BINARY -> b.required(PrimitiveTypeName.BINARY).named(EMBEDDING)
            .required(PrimitiveTypeName.INT32).named(BITS);
      }
      kept.parquetFields().forEach(b::addField);
      return b.named("omniembed_embedding");
    }
  }

  /** One row: the id, the float32 vector (stored at the layout's precision), the kept values. */
  public record VectorRow(String id, float[] vector, org.apache.spark.sql.Row kept) {}

  private EmbeddingParquet() {}

  /**
   * The footer metadata of a file written by {@code modelId}/{@code modelHash} at {@code dim}
   * dimensions and {@code precision}.
   */
  public static Map<String, String> metadata(String modelId, String modelHash, int dim,
      OutputPrecision precision) {
    return metadata(modelId, modelHash, dim, precision, "", "", "");
  }

  /**
   * As above, with the prompt put before every item ({@code omniembed.prompt}; none if empty)
   * and what ran the model ({@value #ENGINE}, {@value #ENGINE_PRECISION}; absent if empty).
   */
  public static Map<String, String> metadata(String modelId, String modelHash, int dim,
      OutputPrecision precision, String prompt, String engine, String enginePrecision) {
    Map<String, String> m = new HashMap<>();
    if (!engine.isEmpty()) {
      m.put(ENGINE, engine);
      m.put(ENGINE_PRECISION, enginePrecision);
    }
    if (!prompt.isEmpty()) {
      m.put(PROMPT, prompt);
    }
    m.put(MODEL_ID, modelId);
    m.put(MODEL_HASH, modelHash);
    m.put(DIM, Integer.toString(dim));
    m.put(NORMALIZATION, "l2");
    m.put(PRECISION, precision.key());
    if (precision != OutputPrecision.FLOAT32) {
      m.put(QUANTIZATION, precision.encoding());
    }
    if (precision.scale() != null) {
      m.put(SCALE, Double.toString(precision.scale()));
    }
    return m;
  }

  /** Opens a writer at {@code path} (overwriting it). */
  public static ParquetWriter<VectorRow> open(String path, Layout layout,
      Map<String, String> meta, Configuration conf) throws IOException {
    // Ids are unique and float vectors almost so: a dictionary would only cost the writer time
    // (a hash map insert per float, 3% of an embed job's CPU) before it falls back to plain.
    String vectorColumn = layout.precision() == OutputPrecision.BINARY ? EMBEDDING
        : EMBEDDING + ".list.element";
    return new Builder(HadoopOutputFile.fromPath(new Path(path), conf), layout, meta)
        .withConf(conf)
        .withDictionaryEncoding(ID, false)
        .withDictionaryEncoding(vectorColumn, layout.precision() == OutputPrecision.INT8)
        .withCompressionCodec(CompressionCodecName.SNAPPY)
        .withWriteMode(org.apache.parquet.hadoop.ParquetFileWriter.Mode.OVERWRITE)
        .build();
  }

  private static final class Builder extends ParquetWriter.Builder<VectorRow, Builder> {
    private final Layout layout;
    private final Map<String, String> meta;

    Builder(org.apache.parquet.io.OutputFile file, Layout layout, Map<String, String> meta) {
      super(file);
      this.layout = layout;
      this.meta = meta;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected WriteSupport<VectorRow> getWriteSupport(Configuration conf) {
      return new Support(layout, meta);
    }
  }

  private static final class Support extends WriteSupport<VectorRow> {
    private final Layout layout;
    private final Map<String, String> meta;
    private RecordConsumer out;

    Support(Layout layout, Map<String, String> meta) {
      this.layout = layout;
      this.meta = meta;
    }

    @Override
    public WriteContext init(Configuration configuration) {
      return new WriteContext(layout.schema(), meta);
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
      this.out = recordConsumer;
    }

    @Override
    public void write(VectorRow record) {
      out.startMessage();
      out.startField(ID, 0);
      out.addBinary(Binary.fromString(record.id()));
      out.endField(ID, 0);
      float[] v = record.vector();
      out.startField(EMBEDDING, 1);
      if (layout.precision() == OutputPrecision.BINARY) {
        out.addBinary(Binary.fromConstantByteArray(OutputPrecision.packSigns(v)));
        out.endField(EMBEDDING, 1);
        out.startField(BITS, 2);
        out.addInteger(v.length);
        out.endField(BITS, 2);
      } else {
        writeList(v);
        out.endField(EMBEDDING, 1);
      }
      if (record.kept() != null) {
        layout.kept().write(out, layout.ownColumns().size(), record.kept());
      }
      out.endMessage();
    }

    /** {@code v} as a three-level list of the layout's element type. */
    private void writeList(float[] v) {
      out.startGroup();
      if (v.length > 0) {
        out.startField("list", 0);
        for (float x : v) {
          out.startGroup();
          out.startField("element", 0);
          switch (layout.precision()) {
            case FLOAT16 -> {
              short h = OutputPrecision.toFloat16(x);
              out.addBinary(Binary.fromConstantByteArray(new byte[] {(byte) h, (byte) (h >>> 8)}));
            }
            case INT8 -> out.addInteger(OutputPrecision.toInt8(x));
            default -> out.addFloat(x);
          }
          out.endField("element", 0);
          out.endGroup();
        }
        out.endField("list", 0);
      }
      out.endGroup();
    }
  }
}
