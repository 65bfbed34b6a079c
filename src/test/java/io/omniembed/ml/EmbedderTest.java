package io.omniembed.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.omniembed.data.text.TextTokenizer;
import io.omniembed.model.Matryoshka;
import io.omniembed.model.ModelSpec;
import io.omniembed.io.Models;
import io.omniembed.model.TextEmbedder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Spark ML transformer on a real local Spark session with the real MiniLM weights. */
class EmbedderTest {

  static final String MODEL = "pretrained:all-MiniLM-L6-v2";
  static final List<String> TEXTS = List.of(
      "The quick brown fox jumps over the lazy dog.",
      "Spark runs batch jobs on clusters.",
      "Embeddings map text to vectors.",
      "a",
      "A much longer sentence, so that the batch mixes lengths and needs padding: "
          + "the encoder must ignore the padded positions entirely.",
      "Über den Wolken muss die Freiheit wohl grenzenlos sein.");

  static SparkSession spark;
  static TextEmbedder direct;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[2]").appName("embedder-test")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false").getOrCreate();
    direct = Models.load(ModelSpec.parse(MODEL), new Configuration(), 1);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** The plain path: tokenise one text and run the encoder on a batch of one. */
  static float[] plain(String text, int dim) {
    TextTokenizer.Tokens t = direct.tokenizer().encode(text, direct.maxLength());
    float[] v = direct.embed(List.of(t.ids()))[0];
    return dim < v.length ? Matryoshka.truncate(v, dim) : v;
  }

  static Dataset<Row> texts() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < TEXTS.size(); i++) {
      rows.add(RowFactory.create(i, TEXTS.get(i)));
    }
    StructType schema = new StructType().add("n", DataTypes.IntegerType)
        .add("sentence", DataTypes.StringType);
    return spark.createDataFrame(rows, schema).repartition(2);
  }

  static float[] floats(List<Float> values) {
    float[] v = new float[values.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = values.get(i);
    }
    return v;
  }

  @Test
  void stringColumnMatchesThePlainEncoderAndKeepsEveryColumnAndRowOrder() {
    Dataset<Row> in = texts();
    Embedder e = new Embedder().setModelPath(MODEL).setInputCol("sentence").setBatchSize(4);
    Dataset<Row> out = e.transform(in);
    assertEquals(List.of("n", "sentence", "embedding"), List.of(out.columns()));
    assertEquals(DataTypes.createArrayType(DataTypes.FloatType, false),
        out.schema().apply("embedding").dataType());
    Metadata meta = out.schema().apply("embedding").metadata().getMetadata("omniembed");
    assertEquals(384L, meta.getLong("dim"));
    assertEquals(direct.modelHash(), meta.getString("model_hash"));
    // rows come back in the order they went in, partition by partition
    List<Integer> before = in.toJavaRDD().map(r -> r.getInt(0)).collect();
    List<Row> rows = out.collectAsList();
    assertEquals(before, rows.stream().map(r -> r.getInt(0)).toList());
    for (Row r : rows) {
      float[] got = floats(r.getList(2));
      assertArrayEquals(plain(TEXTS.get(r.getInt(0)), 384), got, 2e-5f,
          "row " + r.getInt(0));
      assertEquals(TEXTS.get(r.getInt(0)), r.getString(1));
    }
  }

  @Test
  void structAndPartsColumnsGiveTheSameVectorsAsTheirText() {
    StructType item = new StructType().add("title", DataTypes.StringType)
        .add("text", DataTypes.StringType);
    StructType part = new StructType().add("type", DataTypes.StringType)
        .add("text", DataTypes.StringType);
    StructType schema = new StructType().add("id", DataTypes.StringType).add("item", item)
        .add("parts", DataTypes.createArrayType(part));
    Dataset<Row> in = spark.createDataFrame(List.of(
        RowFactory.create("x", RowFactory.create("Embeddings", "map text to vectors"),
            List.of(RowFactory.create("text", "Embeddings map text to vectors"))),
        RowFactory.create("y", RowFactory.create(null, "Spark runs batch jobs"),
            List.of(RowFactory.create("text", "Spark runs batch jobs")))), schema);
    List<Row> byStruct = new Embedder().setModelPath(MODEL).setInputCol("item")
        .setOutputCol("v").transform(in).orderBy("id").collectAsList();
    List<Row> byParts = new Embedder().setModelPath(MODEL).setInputCol("parts")
        .setOutputCol("v").transform(in).orderBy("id").collectAsList();
    String[] texts = {"Embeddings map text to vectors", "Spark runs batch jobs"};
    for (int i = 0; i < 2; i++) {
      float[] want = plain(texts[i], 384);
      assertArrayEquals(want, floats(byStruct.get(i).getList(3)), 2e-5f);
      assertArrayEquals(want, floats(byParts.get(i).getList(3)), 2e-5f);
    }
  }

  @Test
  void vectorOutputAtAMatryoshkaDimension() {
    Dataset<Row> out = new Embedder().setModelPath(MODEL).setInputCol("sentence")
        .setOutputType("vector").setDim(64).setTokensCol("tokens").setTruncatedCol("cut")
        .transform(texts());
    StructField f = out.schema().apply("embedding");
    assertEquals(64, AttributeGroup.fromStructField(f).size());
    for (Row r : out.collectAsList()) {
      Vector v = r.getAs("embedding");
      assertEquals(64, v.size());
      assertEquals(1.0, org.apache.spark.ml.linalg.Vectors.norm(v, 2), 1e-5);
      float[] want = plain(TEXTS.get(r.getInt(0)), 64);
      for (int i = 0; i < 64; i++) {
        assertEquals(want[i], v.apply(i), 2e-5);
      }
      assertEquals(direct.tokenizer().encode(TEXTS.get(r.getInt(0)), 256).length(),
          (int) r.getAs("tokens"));
      assertEquals(false, r.getAs("cut"));
    }
  }

  @Test
  void savedAndLoadedInsideAPipeline(@TempDir Path dir) throws Exception {
    SQLTransformer upper = new SQLTransformer()
        .setStatement("SELECT n, concat(sentence, ' (checked)') AS checked FROM __THIS__");
    Embedder e = new Embedder().setModelPath(MODEL).setInputCol("checked").setOutputCol("vec")
        .setOutputType("vector").setDim(128).setBatchSize(3);
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {upper, e});
    PipelineModel fitted = pipeline.fit(texts());
    String path = dir.resolve("pipeline").toString();
    fitted.write().overwrite().save(path);
    PipelineModel loaded = PipelineModel.load(path);
    Embedder back = (Embedder) loaded.stages()[1];
    assertEquals(e.uid(), back.uid());
    assertEquals(MODEL, back.getModelPath());
    assertEquals(128, back.getDim());
    assertEquals(3, back.getBatchSize());
    List<Row> a = fitted.transform(texts()).orderBy("n").collectAsList();
    List<Row> b = loaded.transform(texts()).orderBy("n").collectAsList();
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertEquals((Vector) a.get(i).getAs("vec"), (Vector) b.get(i).getAs("vec"));
    }
    // the stage alone
    e.save(dir.resolve("embedder").toString());
    assertEquals("vec", Embedder.load(dir.resolve("embedder").toString()).getOutputCol());
  }

  @Test
  void schemaErrorsNameTheColumnOrParamBeforeAnyWork() {
    Dataset<Row> in = texts();
    IllegalArgumentException wrongType = assertThrows(IllegalArgumentException.class,
        () -> new Embedder().setModelPath(MODEL).setInputCol("n").transformSchema(in.schema()));
    assertTrue(wrongType.getMessage().contains("inputCol 'n' has type int"),
        wrongType.getMessage());
    IllegalArgumentException noColumn = assertThrows(IllegalArgumentException.class,
        () -> new Embedder().setModelPath(MODEL).setInputCol("txt").transformSchema(in.schema()));
    assertTrue(noColumn.getMessage().contains("inputCol 'txt' is not a column"),
        noColumn.getMessage());
    IllegalArgumentException noModel = assertThrows(IllegalArgumentException.class,
        () -> new Embedder().setInputCol("sentence").transformSchema(in.schema()));
    assertTrue(noModel.getMessage().contains("param modelPath is not set"),
        noModel.getMessage());
    IllegalArgumentException missingModel = assertThrows(IllegalArgumentException.class,
        () -> new Embedder().setModelPath("/nonexistent/model").setInputCol("sentence")
            .transformSchema(in.schema()));
    assertTrue(missingModel.getMessage().startsWith("Embedder: param modelPath: ")
        && missingModel.getMessage().contains("/nonexistent/model"), missingModel.getMessage());
    IllegalArgumentException tooWide = assertThrows(IllegalArgumentException.class,
        () -> new Embedder().setModelPath(MODEL).setInputCol("sentence").setDim(512)
            .transformSchema(in.schema()));
    assertTrue(tooWide.getMessage().contains("param dim 512 is outside 1..384, the dimensions"),
        tooWide.getMessage());
    IllegalArgumentException clash = assertThrows(IllegalArgumentException.class,
        () -> new Embedder().setModelPath(MODEL).setInputCol("sentence").setOutputCol("n")
            .transformSchema(in.schema()));
    assertTrue(clash.getMessage().contains("outputCol 'n' already exists"), clash.getMessage());
    StructType noItemFields = new StructType().add("s", new StructType()
        .add("body", DataTypes.StringType));
    IllegalArgumentException struct = assertThrows(IllegalArgumentException.class,
        () -> new Embedder().setModelPath(MODEL).setInputCol("s").transformSchema(noItemFields));
    assertTrue(struct.getMessage().contains("inputCol 's' is a struct without item fields"),
        struct.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new Embedder().setOutputType("list"), "outputType is validated when set");
  }

  @Test
  void invalidRowsFailSkipOrKeepWithTheReason() {
    StructType schema = new StructType().add("n", DataTypes.IntegerType)
        .add("sentence", DataTypes.StringType);
    Dataset<Row> in = spark.createDataFrame(List.of(RowFactory.create(0, "fine text"),
        RowFactory.create(1, "   "), RowFactory.create(2, null),
        RowFactory.create(3, "also fine")), schema).coalesce(1);
    Embedder e = new Embedder().setModelPath(MODEL).setInputCol("sentence");
    Exception failed = assertThrows(Exception.class, () -> e.transform(in).collectAsList());
    String message = rootMessage(failed);
    assertTrue(message.contains("row 1 of partition 0, column 'sentence', cannot be embedded:"
        + " empty text"), message);

    List<Row> skipped = e.copy(new org.apache.spark.ml.param.ParamMap())
        .setHandleInvalid("skip").transform(in).collectAsList();
    assertEquals(List.of(0, 3), skipped.stream().map(r -> r.getInt(0)).toList());

    List<Row> kept = new Embedder().setModelPath(MODEL).setInputCol("sentence")
        .setHandleInvalid("keep").setErrorCol("why").transform(in).collectAsList();
    assertEquals(4, kept.size());
    assertNull(kept.get(1).getAs("embedding"));
    assertEquals("empty text", kept.get(1).getAs("why"));
    assertEquals("column 'sentence' is null", kept.get(2).getAs("why"));
    assertNull(kept.get(0).getAs("why"));
    assertArrayEquals(plain("also fine", 384), floats(kept.get(3).getList(2)), 2e-5f);
  }

  private static String rootMessage(Throwable t) {
    StringBuilder all = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      all.append(c.getMessage()).append('\n');
    }
    return all.toString();
  }
}
