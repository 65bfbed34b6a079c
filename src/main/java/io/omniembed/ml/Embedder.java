package io.omniembed.ml;

import io.omniembed.data.ItemParser;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import io.omniembed.io.HadoopConf;
import io.omniembed.model.ItemEmbedding;
import io.omniembed.model.ModelSpec;
import io.omniembed.io.Models;
import io.omniembed.model.TextEmbedder;
import io.omniembed.model.onnx.Inference;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML {@link Transformer} that embeds a DataFrame column with an omniembed model: the
 * model's own tokenizer, length-sorted batches, optional Matryoshka truncation, L2-normalised
 * vectors. The {@code embed} job is this transformer plus atomic Parquet units, so both give the
 * same vectors for the same rows.
 *
 * <p>The input column is one of:
 * <ul>
 *   <li>a string: the text to embed ({@code inputFormat = "content"}, the default), or an item as
 *       a JSON record, {@code {"id": ..., "text": ..., "image": ...}} as in JSONL input files
 *       ({@code inputFormat = "json"});</li>
 *   <li>a struct with item fields ({@code text}, {@code title}, {@code image}, {@code audio},
 *       {@code video}, {@code parts});</li>
 *   <li>an array of part structs ({@code type}, {@code text}, {@code uri}, {@code bytes}).</li>
 * </ul>
 * The output column is {@code array<float>} ({@code outputType = "array"}) or an
 * {@code ml.linalg.Vector} ({@code "vector"}), carrying the model id, parameter hash and
 * dimension in its column metadata. Rows keep their order within each partition.
 *
 * <p>Rows that cannot be embedded (no content, a malformed record, a media part for a text
 * model) fail the transform with the row named ({@code handleInvalid = "error"}), are dropped
 * ({@code "skip"}), or get a null vector and, when {@code errorCol} is set, the reason
 * ({@code "keep"}).
 *
 * <p>Saved and loaded with the other stages of a {@code Pipeline}; the saved stage refers to the
 * model by {@code modelPath}, it does not copy the model.
 */
public final class Embedder extends Transformer implements DefaultParamsWritable {

  private static final long serialVersionUID = 1L;
  private static final Set<String> ITEM_FIELDS = ItemParser.CONTENT_FIELDS;
  private static final String INPUT = "__omniembed_input";

  private final String uid;

  private final Param<String> modelPath;
  private final Param<String> inputCol;
  private final Param<String> outputCol;
  private final Param<String> outputType;
  private final Param<String> inputFormat;
  private final IntParam dim;
  private final IntParam batchSize;
  private final IntParam maxLength;
  private final Param<String> handleInvalid;
  private final Param<String> errorCol;
  private final Param<String> tokensCol;
  private final Param<String> truncatedCol;
  private final Param<String> sourceCol;
  private final Param<String> prompt;
  private final Param<String> promptText;
  private final Param<String> engine;
  private final Param<String> precision;
  private final Param<String> device;

  public Embedder() {
    this(Identifiable.randomUID("embedder"));
  }

  public Embedder(String uid) {
    this.uid = uid;
    modelPath = new Param<>(this, "modelPath", "checkpoint directory (any Hadoop path), hf:PATH"
        + " (a Hugging Face encoder folder) or pretrained:all-MiniLM-L6-v2");
    inputCol = new Param<>(this, "inputCol", "column to embed: string, item struct or array of"
        + " part structs");
    outputCol = new Param<>(this, "outputCol", "column of vectors to add");
    outputType = new Param<>(this, "outputType", "array (array<float>) or vector"
        + " (ml.linalg.Vector)", ParamValidators.inArray(List.of("array", "vector")));
    inputFormat = new Param<>(this, "inputFormat", "for a string column: content (the text)"
        + " or json (an item record with id)", ParamValidators.inArray(List.of("content",
        "json")));
    dim = new IntParam(this, "dim", "dimensions kept (Matryoshka prefix, re-normalised);"
        + " 0 keeps all", ParamValidators.gtEq(0));
    batchSize = new IntParam(this, "batchSize", "sequences per forward pass",
        ParamValidators.gt(0));
    maxLength = new IntParam(this, "maxLength", "tokens kept per text, [CLS] and [SEP]"
        + " included; 0 for the model's default", ParamValidators.gtEq(0));
    handleInvalid = new Param<>(this, "handleInvalid", "rows that cannot be embedded: error"
        + " (fail), skip (drop) or keep (null vector)",
        ParamValidators.inArray(List.of("error", "skip", "keep")));
    errorCol = new Param<>(this, "errorCol", "with handleInvalid=keep: string column for the"
        + " reason a row was not embedded (empty: none)");
    tokensCol = new Param<>(this, "tokensCol", "int column for the tokens embedded per row"
        + " (empty: none)");
    truncatedCol = new Param<>(this, "truncatedCol", "boolean column: the text was cut at"
        + " maxLength (empty: none)");
    sourceCol = new Param<>(this, "sourceCol", "string column: the data file each row came"
        + " from (for example input_file_name()); relative media paths are resolved against its"
        + " directory (empty: none, media by absolute path, URI or inline bytes only)");
    prompt = new Param<>(this, "prompt", "name of one of the model's prompts (task strings)"
        + " put before every item, as the model was trained or published with (empty: none)");
    promptText = new Param<>(this, "promptText", "a prompt given as text, put before every item"
        + " (empty: none); excludes prompt");
    engine = new Param<>(this, "engine", "onnx (the model's exported graph on ONNX Runtime,"
        + " exported once per model and JVM), nd4j (the project's own encoder) or auto: onnx"
        + " whenever the model exports", ParamValidators.inArray(List.of("auto", "onnx",
        "nd4j")));
    precision = new Param<>(this, "precision", "fp32, or int8 (dynamically quantised MatMul"
        + " weights; ONNX Runtime only)", ParamValidators.inArray(List.of("fp32", "int8")));
    device = new Param<>(this, "device", "cpu, or cuda (ONNX Runtime's CUDA execution provider,"
        + " in a build with it)", ParamValidators.inArray(List.of("cpu", "cuda")));
    setDefault(engine, "auto");
    setDefault(precision, "fp32");
    setDefault(device, "cpu");
    setDefault(sourceCol, "");
    setDefault(prompt, "");
    setDefault(promptText, "");
    setDefault(outputCol, "embedding");
    setDefault(outputType, "array");
    setDefault(inputFormat, "content");
    setDefault(dim, 0);
    setDefault(batchSize, 32);
    setDefault(maxLength, 0);
    setDefault(handleInvalid, "error");
    setDefault(errorCol, "");
    setDefault(tokensCol, "");
    setDefault(truncatedCol, "");
  }

  @Override
  public String uid() {
    return uid;
  }

  // Spark ML finds params through public no-argument methods.
  public Param<String> modelPath() {
    return modelPath;
  }

  public Param<String> inputCol() {
    return inputCol;
  }

  public Param<String> outputCol() {
    return outputCol;
  }

  public Param<String> outputType() {
    return outputType;
  }

  public Param<String> inputFormat() {
    return inputFormat;
  }

  public IntParam dim() {
    return dim;
  }

  public IntParam batchSize() {
    return batchSize;
  }

  public IntParam maxLength() {
    return maxLength;
  }

  public Param<String> handleInvalid() {
    return handleInvalid;
  }

  public Param<String> errorCol() {
    return errorCol;
  }

  public Param<String> tokensCol() {
    return tokensCol;
  }

  public Param<String> truncatedCol() {
    return truncatedCol;
  }

  public Embedder setModelPath(String v) {
    return (Embedder) set(modelPath, v);
  }

  public Embedder setInputCol(String v) {
    return (Embedder) set(inputCol, v);
  }

  public Embedder setOutputCol(String v) {
    return (Embedder) set(outputCol, v);
  }

  public Embedder setOutputType(String v) {
    return (Embedder) set(outputType, v);
  }

  public Embedder setInputFormat(String v) {
    return (Embedder) set(inputFormat, v);
  }

  public Embedder setDim(int v) {
    return (Embedder) set(dim, v);
  }

  public Embedder setBatchSize(int v) {
    return (Embedder) set(batchSize, v);
  }

  public Embedder setMaxLength(int v) {
    return (Embedder) set(maxLength, v);
  }

  public Embedder setHandleInvalid(String v) {
    return (Embedder) set(handleInvalid, v);
  }

  public Embedder setErrorCol(String v) {
    return (Embedder) set(errorCol, v);
  }

  public Embedder setTokensCol(String v) {
    return (Embedder) set(tokensCol, v);
  }

  public Embedder setTruncatedCol(String v) {
    return (Embedder) set(truncatedCol, v);
  }

  public Param<String> sourceCol() {
    return sourceCol;
  }

  public Embedder setSourceCol(String v) {
    return (Embedder) set(sourceCol, v);
  }

  public Param<String> prompt() {
    return prompt;
  }

  /** Puts the model's prompt {@code name} before every item ({@link #promptFor}). */
  public Embedder setPrompt(String name) {
    return (Embedder) set(prompt, name);
  }

  public Param<String> promptText() {
    return promptText;
  }

  /** Puts {@code text} before every item. */
  public Embedder setPromptText(String text) {
    return (Embedder) set(promptText, text);
  }

  /**
   * The text put before every item: {@code promptText}, else the text of the model's prompt
   * named {@code prompt}, else none. Refuses both set, and a name the model does not have.
   */
  public String promptFor(TextEmbedder model) {
    String name = $(prompt);
    String text = $(promptText);
    if (!name.isEmpty() && !text.isEmpty()) {
      throw new IllegalArgumentException("Embedder: set prompt or promptText, not both");
    }
    if (!text.isEmpty()) {
      return text;
    }
    return name.isEmpty() ? "" : model.card().prompt(name, $(modelPath));
  }

  public Param<String> engine() {
    return engine;
  }

  /** {@code auto} (default), {@code onnx} or {@code nd4j}. */
  public Embedder setEngine(String v) {
    return (Embedder) set(engine, v);
  }

  public Param<String> precision() {
    return precision;
  }

  /** {@code fp32} (default) or {@code int8}. */
  public Embedder setPrecision(String v) {
    return (Embedder) set(precision, v);
  }

  public Param<String> device() {
    return device;
  }

  /** {@code cpu} (default) or {@code cuda}. */
  public Embedder setDevice(String v) {
    return (Embedder) set(device, v);
  }

  /** The engine, precision and device params as one value; refuses what cannot run. */
  public Inference inference() {
    try {
      return Inference.parse($(engine), $(precision), $(device));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Embedder: " + e.getMessage().replace("--", "param "), e);
    }
  }

  public String getModelPath() {
    return $(modelPath);
  }

  public String getInputCol() {
    return $(inputCol);
  }

  public String getOutputCol() {
    return $(outputCol);
  }

  public int getDim() {
    return (Integer) $(dim);
  }

  public int getBatchSize() {
    return (Integer) $(batchSize);
  }

  /**
   * The model this transformer runs, loaded once per JVM; fails naming {@code modelPath} when it
   * is unset or cannot be loaded.
   */
  public TextEmbedder model() {
    return model(activeConf());
  }

  private TextEmbedder model(Configuration conf) {
    if (!isDefined(modelPath) || $(modelPath) == null || $(modelPath).isBlank()) {
      throw new IllegalArgumentException("Embedder: param modelPath is not set (a checkpoint"
          + " directory, hf:PATH or pretrained:all-MiniLM-L6-v2)");
    }
    String path = $(modelPath);
    ModelSpec.parse(path, ModelSpec.Use.EMBEDDER);
    Inference inference = inference();
    try {
      return Models.embedder(path, inference, conf, threads());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("Embedder: param modelPath: " + e.getMessage(), e);
    }
  }

  /**
   * ONNX Runtime's intra-op threads for a model loaded here: inside a Spark task the cores the
   * task was given ({@code spark.task.cpus}), so concurrent tasks of an executor do not
   * oversubscribe its cores; elsewhere (the driver) every core.
   */
  public static int threads() {
    TaskContext task = TaskContext.get();
    return task != null ? Math.max(1, task.cpus())
        : Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  /** The output dimension: {@code dim}, or the model's when 0. */
  public int outputDim(TextEmbedder model) {
    try {
      return ItemEmbedding.resolveDim(model, getDim());
    } catch (IllegalArgumentException e) {   // "--dim ..." names the job option; here a param
      throw new IllegalArgumentException("Embedder: param " + e.getMessage().substring(2), e);
    }
  }

  @Override
  public StructType transformSchema(StructType schema) {
    String in = requireSet(inputCol);
    if (!Arrays.asList(schema.fieldNames()).contains(in)) {
      throw new IllegalArgumentException("Embedder: inputCol '" + in + "' is not a column; the"
          + " columns are " + Arrays.toString(schema.fieldNames()));
    }
    checkInputType(in, schema.apply(in).dataType());
    TextEmbedder model = model(activeConf());
    int d = outputDim(model);
    ItemEmbedding.resolveMaxLength(model, (Integer) $(maxLength));
    StructType out = schema;
    out = addColumn(out, $(outputCol), "outputCol", "vector".equals($(outputType))
        ? new VectorUDT() : DataTypes.createArrayType(DataTypes.FloatType, false),
        outputMetadata(model, d));
    String source = $(sourceCol);
    if (!source.isEmpty() && (!Arrays.asList(schema.fieldNames()).contains(source)
        || !(schema.apply(source).dataType() instanceof org.apache.spark.sql.types.StringType))) {
      throw new IllegalArgumentException("Embedder: sourceCol '" + source + "' is not a string"
          + " column; the columns are " + Arrays.toString(schema.fieldNames()));
    }
    if (!$(errorCol).isEmpty()) {
      if (!"keep".equals($(handleInvalid))) {
        throw new IllegalArgumentException("Embedder: param errorCol '" + $(errorCol)
            + "' needs handleInvalid=keep (it is " + $(handleInvalid) + ")");
      }
      out = addColumn(out, $(errorCol), "errorCol", DataTypes.StringType, Metadata.empty());
    }
    if (!$(tokensCol).isEmpty()) {
      out = addColumn(out, $(tokensCol), "tokensCol", DataTypes.IntegerType, Metadata.empty());
    }
    if (!$(truncatedCol).isEmpty()) {
      out = addColumn(out, $(truncatedCol), "truncatedCol", DataTypes.BooleanType,
          Metadata.empty());
    }
    return out;
  }

  private void checkInputType(String in, DataType type) {
    if ("json".equals($(inputFormat))
        && !(type instanceof org.apache.spark.sql.types.StringType)) {
      throw new IllegalArgumentException("Embedder: inputCol '" + in + "' has type "
          + type.simpleString() + "; inputFormat=json needs a string column of JSON records");
    }
    String problem = itemColumnProblem(type);
    if (problem != null) {
      throw new IllegalArgumentException("Embedder: inputCol '" + in + "' " + problem);
    }
  }

  /**
   * Why a column of {@code type} cannot hold items, as the end of a sentence naming the column
   * ("is a struct without item fields; ..."); null for the types this transformer embeds: a
   * string, a struct with item fields, an array of part structs.
   */
  public static String itemColumnProblem(DataType type) {
    if (type instanceof org.apache.spark.sql.types.StringType) {
      return null;
    }
    if (type instanceof StructType st) {
      return Arrays.stream(st.fieldNames()).anyMatch(ITEM_FIELDS::contains) ? null
          : "is a struct without item fields; it needs at least one of " + ITEM_FIELDS
              + ", has " + Arrays.toString(st.fieldNames());
    }
    if (type instanceof ArrayType at && at.elementType() instanceof StructType part) {
      return Arrays.asList(part.fieldNames()).contains("type") ? null
          : "is an array of structs without a 'type' field; parts need type and text, uri or"
              + " bytes";
    }
    return "has type " + type.simpleString() + "; expected a string, an item struct (text,"
        + " image, parts ...) or an array of part structs";
  }

  private static StructType addColumn(StructType schema, String name, String param,
      DataType type, Metadata metadata) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("Embedder: param " + param + " is empty");
    }
    if (Arrays.asList(schema.fieldNames()).contains(name)) {
      throw new IllegalArgumentException("Embedder: " + param + " '" + name + "' already"
          + " exists in the input");
    }
    return schema.add(new StructField(name, type, true, metadata));
  }

  private Metadata outputMetadata(TextEmbedder model, int d) {
    Metadata omniembed = new MetadataBuilder()
        .putString("model_id", model.modelId())
        .putString("model_hash", model.modelHash())
        .putString("engine", model.engine())
        .putString("engine_precision", model.precision())
        .putLong("dim", d)
        .putString("normalization", "l2")
        .build();
    Metadata base = "vector".equals($(outputType))
        ? new AttributeGroup($(outputCol), d).toMetadata() : Metadata.empty();
    return new MetadataBuilder().withMetadata(base).putMetadata("omniembed", omniembed).build();
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType outSchema = transformSchema(dataset.schema());
    TextEmbedder model = model(activeConf());
    String in = $(inputCol);
    DataType type = dataset.schema().apply(in).dataType();
    Column asJson;
    EmbedRows.Kind kind;
    if (type instanceof org.apache.spark.sql.types.StringType) {
      asJson = col(quote(in));
      kind = "json".equals($(inputFormat)) ? EmbedRows.Kind.RECORD : EmbedRows.Kind.TEXT;
    } else if (type instanceof StructType) {
      asJson = to_json(col(quote(in)));
      kind = EmbedRows.Kind.CONTENT;
    } else {
      asJson = to_json(struct(col(quote(in)).as("parts")));
      kind = EmbedRows.Kind.CONTENT;
    }
    Dataset<Row> withInput = dataset.toDF().withColumn(INPUT, asJson);
    int inputIndex = withInput.schema().fieldIndex(INPUT);
    int sourceIndex = $(sourceCol).isEmpty() ? -1 : withInput.schema().fieldIndex($(sourceCol));
    EmbedRows rows = new EmbedRows(new EmbedRows.Settings($(modelPath), inference(), outputDim(model),
        getBatchSize(), 64 * getBatchSize(), ItemEmbedding.resolveMaxLength(model,
        (Integer) $(maxLength)), in, kind, inputIndex, "vector".equals($(outputType)),
        EmbedRows.Invalid.valueOf($(handleInvalid).toUpperCase(java.util.Locale.ROOT)),
        !$(errorCol).isEmpty(), !$(tokensCol).isEmpty(), !$(truncatedCol).isEmpty(),
        new HadoopConf(dataset.sparkSession().sparkContext().hadoopConfiguration()),
        sourceIndex, promptFor(model)));
    String output = $(outputCol);
    // the encoder does not carry column metadata through mapPartitions; set it again
    return withInput.mapPartitions((MapPartitionsFunction<Row, Row>) it ->
            rows.apply(TaskContext.getPartitionId(), it), Encoders.row(outSchema))
        .withMetadata(output, outSchema.apply(output).metadata());
  }

  private static String quote(String column) {
    return "`" + column.replace("`", "``") + "`";
  }

  private String requireSet(Param<String> p) {
    if (!isDefined(p) || $(p) == null || $(p).isEmpty()) {
      throw new IllegalArgumentException("Embedder: param " + p.name() + " is not set");
    }
    return $(p);
  }

  private static Configuration activeConf() {
    scala.Option<SparkSession> active = SparkSession.getActiveSession();
    if (active.isEmpty()) {
      active = SparkSession.getDefaultSession();
    }
    return active.isDefined() ? active.get().sparkContext().hadoopConfiguration()
        : new Configuration();
  }

  @Override
  public Embedder copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** Loads an {@code Embedder} saved with {@link #save} (also how {@code Pipeline.load} does). */
  public static MLReader<Embedder> read() {
    return new DefaultParamsReader<>();
  }

  public static Embedder load(String path) {
    return read().load(path);
  }
}
