package io.omniembed.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kept columns of every type the writer takes, written with {@link EmbeddingParquet} and read
 * back by Spark: the same schema and the same values, nulls included.
 */
class KeptColumnsTest {

  static final String SELECT = "SELECT * FROM VALUES"
      + " ('a', true, CAST(-3 AS TINYINT), CAST(300 AS SMALLINT), 7, 9000000000L,"
      + "  CAST(1.5 AS FLOAT), 2.25D, X'00FF10', DATE'2024-02-29',"
      + "  TIMESTAMP'2024-02-29 13:14:15.123456', TIMESTAMP_NTZ'1999-12-31 23:59:59.5',"
      + "  CAST(12.34 AS DECIMAL(4,2)), CAST(-123456789012.5 AS DECIMAL(15,1)),"
      + "  CAST('12345678901234567890.123' AS DECIMAL(25,3)), array('x', NULL, 'z'),"
      + "  array(1, 2)),"
      + " (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
      + "  NULL, NULL, array())"
      + " AS t(s, b, i8, i16, i32, i64, f, d, bin, day, ts, ntz, dec4, dec15, dec25, tags, ns)";

  @Test
  void everyTypeReadsBackAsItWas(@TempDir Path dir) throws Exception {
    SparkSession spark = SparkSession.builder().master("local[1]").appName("kept-columns")
        .config("spark.driver.host", "127.0.0.1").config("spark.ui.enabled", "false")
        .getOrCreate();
    try {
      Dataset<Row> in = spark.sql(SELECT);
      // as an input table would have them: every column nullable
      StructType schema = nullable(in.schema());
      List<Row> rows = in.collectAsList();
      KeptColumns kept = new KeptColumns(schema);
      for (StructField f : schema.fields()) {
        assertNull(KeptColumns.unsupported(f.dataType()), f.name());
      }
      String file = dir.resolve("part-00000.parquet").toString();
      EmbeddingParquet.Layout layout = new EmbeddingParquet.Layout(OutputPrecision.INT8, kept);
      try (ParquetWriter<EmbeddingParquet.VectorRow> w = EmbeddingParquet.open(file, layout,
          EmbeddingParquet.metadata("m", "h", 2, OutputPrecision.INT8), new Configuration())) {
        for (int i = 0; i < rows.size(); i++) {
          w.write(new EmbeddingParquet.VectorRow("r" + i, new float[] {0.6f, -0.8f},
              rows.get(i)));
        }
      }
      Dataset<Row> out = spark.read().parquet(file).orderBy("id");
      List<StructField> fields = new ArrayList<>(Arrays.asList(out.schema().fields()));
      assertEquals("id", fields.remove(0).name());
      assertEquals("embedding", fields.get(0).name());
      assertEquals("array<tinyint>", fields.remove(0).dataType().simpleString());
      // the same types (Spark reads every column of a file as nullable, so compare without that)
      assertEquals(schema.simpleString(),
          new StructType(fields.toArray(StructField[]::new)).simpleString());
      List<Row> back = out.drop("id", "embedding").collectAsList();
      assertEquals(rows.size(), back.size());
      for (int i = 0; i < rows.size(); i++) {
        for (String c : schema.fieldNames()) {
          Object want = rows.get(i).getAs(c);
          Object got = back.get(i).getAs(c);
          if (want instanceof byte[] bytes) {
            assertTrue(Arrays.equals(bytes, (byte[]) got), c);
          } else {
            assertEquals(want, got, c + " of row " + i);
          }
        }
      }
      assertEquals(new BigDecimal("12345678901234567890.123"), back.get(0).getAs("dec25"));
    } finally {
      spark.stop();
    }
  }

  @Test
  void nestedTypesAreRefusedNamingTheType() {
    assertEquals("has type struct<a:int>; a kept column must be " + KeptColumns.SUPPORTED,
        KeptColumns.unsupported(new StructType().add("a", DataTypes.IntegerType)));
    assertEquals("has type map<string,int>; a kept column must be " + KeptColumns.SUPPORTED,
        KeptColumns.unsupported(DataTypes.createMapType(DataTypes.StringType,
            DataTypes.IntegerType)));
    assertEquals("has type array<array<int>>; a kept column must be " + KeptColumns.SUPPORTED,
        KeptColumns.unsupported(DataTypes.createArrayType(DataTypes.createArrayType(
            DataTypes.IntegerType))));
    assertNull(KeptColumns.unsupported(DataTypes.createArrayType(DataTypes.DateType)));
    assertEquals(List.of(), KeptColumns.NONE.names());
  }

  private static StructType nullable(StructType s) {
    return new StructType(Arrays.stream(s.fields())
        .map(f -> new StructField(f.name(), f.dataType(), true, f.metadata()))
        .toArray(StructField[]::new));
  }
}
