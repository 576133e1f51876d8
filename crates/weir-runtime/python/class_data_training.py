"""The Python job Weir runs while it records a runtime's class-data sharing
archives, once the runtime's Python environment is installed (weir-runtime's
cluster.rs, record_class_data; the Java job beside it is Training.java).

The Job Manager then archives the classes of Flink's Python driver (its Py4J
gateway, a job planned from Python) and the Task Manager those of Python
operators and of their workers' Java side (Beam, gRPC), which a Python
application's start otherwise reads from opt/flink-python's jar. It uses what
Python applications commonly do, in APIs PyFlink 1.18 to 2.x share: a Table
API select with a Python UDF, a Python map on a DataStream. Bounded: it
finishes on its own.
"""

from pyflink.common import Types
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.table import DataTypes, StreamTableEnvironment
from pyflink.table.expressions import col
from pyflink.table.udf import udf


def main():
    env = StreamExecutionEnvironment.get_execution_environment()
    t_env = StreamTableEnvironment.create(env)
    numbers = env.from_collection(list(range(100)), type_info=Types.LONG())
    describe = udf(lambda n: "{}:{:x}".format(n, n), result_type=DataTypes.STRING())
    lines = t_env.from_data_stream(numbers).alias("n") \
        .select(describe(col("n")).alias("line"))
    t_env.to_data_stream(lines) \
        .map(lambda row: row[0], output_type=Types.STRING()) \
        .print()
    env.execute("weir-class-data-training-python")


if __name__ == "__main__":
    main()
