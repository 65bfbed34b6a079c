package io.omniembed.io;

import java.io.Serializable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

/**
 * The input columns an embeddings file carries through unchanged ({@code embed --keep-cols}),
 * written after {@code id} and {@code embedding} as optional Parquet columns of the types Spark
 * itself writes for them, so Spark reads each one back with the type it had in the input:
 * <pre>
 *   string → binary (STRING)         boolean → boolean         binary → binary
 *   tinyint, smallint → int32 (INT(8|16, signed))             int → int32    bigint → int64
 *   float → float    double → double                         date → int32 (DATE)
 *   timestamp → int64 (TIMESTAMP(MICROS, UTC))
 *   timestamp_ntz → int64 (TIMESTAMP(MICROS, local))
 *   decimal(p ≤ 9 | p ≤ 18 | larger, s) → int32 | int64 | binary (DECIMAL(p, s))
 *   array of any of these → the standard three-level LIST
 * </pre>
 * Structs, maps and nested arrays are refused by {@link #unsupported} before any work.
 */
public record KeptColumns(StructType schema) implements Serializable {

  /** No kept columns. */
  public static final KeptColumns NONE = new KeptColumns(new StructType());

  /** The types a kept column may have, as the error message lists them. */
  static final String SUPPORTED = "string, boolean, tinyint, smallint, int, bigint, float,"
      + " double, decimal, binary, date, timestamp, timestamp_ntz, or an array of one of these";

  public List<String> names() {
    return List.of(schema.fieldNames());
  }

  /** Why a column of type {@code type} cannot be kept; null when it can. */
  public static String unsupported(DataType type) {
    DataType scalar = type instanceof ArrayType a ? a.elementType() : type;
    return scalar(scalar) ? null
        : "has type " + type.simpleString() + "; a kept column must be " + SUPPORTED;
  }

  private static boolean scalar(DataType t) {
    return t instanceof StringType || t instanceof BooleanType || t instanceof ByteType
        || t instanceof ShortType || t instanceof IntegerType || t instanceof LongType
        || t instanceof FloatType || t instanceof DoubleType || t instanceof BinaryType
        || t instanceof DateType || t instanceof TimestampType || t instanceof TimestampNTZType
        || t instanceof DecimalType;
  }

  /** The Parquet fields, in {@link #schema} order. */
  public List<Type> parquetFields() {
    List<Type> out = new ArrayList<>();
    for (StructField f : schema.fields()) {
      if (f.dataType() instanceof ArrayType a) {
        Type.Repetition element = a.containsNull() ? Type.Repetition.OPTIONAL
            : Type.Repetition.REQUIRED;
        out.add(Types.optionalList().setElementType(primitive(a.elementType(), element,
            "element")).named(f.name()));
      } else {
        out.add(primitive(f.dataType(), Type.Repetition.OPTIONAL, f.name()));
      }
    }
    return out;
  }

  private static PrimitiveType primitive(DataType t, Type.Repetition repetition, String name) {
    if (t instanceof StringType) {
      return Types.primitive(PrimitiveTypeName.BINARY, repetition)
          .as(LogicalTypeAnnotation.stringType()).named(name);
    }
    if (t instanceof BooleanType) {
      return Types.primitive(PrimitiveTypeName.BOOLEAN, repetition).named(name);
    }
    if (t instanceof ByteType || t instanceof ShortType) {
      return Types.primitive(PrimitiveTypeName.INT32, repetition)
          .as(LogicalTypeAnnotation.intType(t instanceof ByteType ? 8 : 16, true)).named(name);
    }
    if (t instanceof IntegerType) {
      return Types.primitive(PrimitiveTypeName.INT32, repetition).named(name);
    }
    if (t instanceof LongType) {
      return Types.primitive(PrimitiveTypeName.INT64, repetition).named(name);
    }
    if (t instanceof FloatType) {
      return Types.primitive(PrimitiveTypeName.FLOAT, repetition).named(name);
    }
    if (t instanceof DoubleType) {
      return Types.primitive(PrimitiveTypeName.DOUBLE, repetition).named(name);
    }
    if (t instanceof BinaryType) {
      return Types.primitive(PrimitiveTypeName.BINARY, repetition).named(name);
    }
    if (t instanceof DateType) {
      return Types.primitive(PrimitiveTypeName.INT32, repetition)
          .as(LogicalTypeAnnotation.dateType()).named(name);
    }
    if (t instanceof TimestampType || t instanceof TimestampNTZType) {
      return Types.primitive(PrimitiveTypeName.INT64, repetition)
          .as(LogicalTypeAnnotation.timestampType(t instanceof TimestampType, TimeUnit.MICROS))
          .named(name);
    }
    if (t instanceof DecimalType d) {
      PrimitiveTypeName physical = d.precision() <= 9 ? PrimitiveTypeName.INT32
          : d.precision() <= 18 ? PrimitiveTypeName.INT64 : PrimitiveTypeName.BINARY;
      return Types.primitive(physical, repetition)
          .as(LogicalTypeAnnotation.decimalType(d.scale(), d.precision())).named(name);
    }
    throw new IllegalArgumentException("cannot keep a column of type " + t.simpleString());
  }

  /**
   * Writes the non-null values of {@code values} (a row of {@link #schema}, read by field name)
   * as the fields {@code first}, {@code first + 1}, ... of the record being written.
   */
  public void write(RecordConsumer out, int first, Row values) {
    StructField[] fields = schema.fields();
    for (int i = 0; i < fields.length; i++) {
      String name = fields[i].name();
      int at = values.fieldIndex(name);
      if (values.isNullAt(at)) {
        continue;   // an optional field with no value is simply not written
      }
      out.startField(name, first + i);
      if (fields[i].dataType() instanceof ArrayType a) {
        writeList(out, a.elementType(), values.getList(at));
      } else {
        add(out, fields[i].dataType(), values.get(at));
      }
      out.endField(name, first + i);
    }
  }

  private static void writeList(RecordConsumer out, DataType element, List<Object> list) {
    out.startGroup();
    if (!list.isEmpty()) {
      out.startField("list", 0);
      for (Object v : list) {
        out.startGroup();
        if (v != null) {
          out.startField("element", 0);
          add(out, element, v);
          out.endField("element", 0);
        }
        out.endGroup();
      }
      out.endField("list", 0);
    }
    out.endGroup();
  }

  /** One value of a scalar column, as Spark's Row holds it (java.sql dates unless java8API). */
  private static void add(RecordConsumer out, DataType t, Object v) {
    if (t instanceof StringType) {
      out.addBinary(Binary.fromString((String) v));
    } else if (t instanceof BooleanType) {
      out.addBoolean((Boolean) v);
    } else if (t instanceof ByteType || t instanceof ShortType || t instanceof IntegerType) {
      out.addInteger(((Number) v).intValue());
    } else if (t instanceof LongType) {
      out.addLong((Long) v);
    } else if (t instanceof FloatType) {
      out.addFloat((Float) v);
    } else if (t instanceof DoubleType) {
      out.addDouble((Double) v);
    } else if (t instanceof BinaryType) {
      out.addBinary(Binary.fromConstantByteArray((byte[]) v));
    } else if (t instanceof DateType) {
      out.addInteger((int) (v instanceof java.sql.Date d ? d.toLocalDate().toEpochDay()
          : ((java.time.LocalDate) v).toEpochDay()));
    } else if (t instanceof TimestampType) {
      java.time.Instant instant = v instanceof java.sql.Timestamp ts ? ts.toInstant()
          : (java.time.Instant) v;
      out.addLong(micros(instant.getEpochSecond(), instant.getNano()));
    } else if (t instanceof TimestampNTZType) {
      java.time.LocalDateTime local = (java.time.LocalDateTime) v;
      out.addLong(micros(local.toEpochSecond(java.time.ZoneOffset.UTC), local.getNano()));
    } else if (t instanceof DecimalType d) {
      java.math.BigInteger unscaled = ((BigDecimal) v).setScale(d.scale()).unscaledValue();
      if (d.precision() <= 9) {
        out.addInteger(unscaled.intValueExact());
      } else if (d.precision() <= 18) {
        out.addLong(unscaled.longValueExact());
      } else {
        out.addBinary(Binary.fromConstantByteArray(unscaled.toByteArray()));   // big-endian
      }
    } else {
      throw new IllegalArgumentException("cannot keep a value of type " + t.simpleString());
    }
  }

  private static long micros(long epochSecond, int nanos) {
    return Math.addExact(Math.multiplyExact(epochSecond, 1_000_000L), nanos / 1000);
  }
}
