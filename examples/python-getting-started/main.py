# -*- coding: utf-8 -*-
"""
main.py
~~~~~~~
python-getting-started: a PyFlink job written the way the Managed Service for
Apache Flink's Python samples are, the Python twin of examples/getting-started.

    1. Reads the application properties from /etc/flink/application_properties.json
       with plain `json` (get_application_properties(), property_map()); where that
       file does not exist, from Weir's fallbacks (see application_properties_file()).
    2. Numbers 0, 1, 2, ... at a set rate from weir.examples.SequenceSource, a Java
       FLIP-27 source in the application's jarfile (lib/python-getting-started.jar).
    3. DataStream -> Table -> select(describe(n, java_tag(n))) -> DataStream, where
       java_tag is a Java UDF from the jarfile (weir.examples.JavaTag) and describe a
       Python UDF, run by the Python worker beside the Task Manager, that reads the
       properties file itself and uses `humanize`, a dependency shipped in dep/.
    4. Lines n,<tag read in main()>,<tag read by the Python UDF>,<tag read by the Java
       UDF>,<jar KinesisAnalyticsRuntime came from>,<humanize.ordinal(n)> go to a file
       sink committed on checkpoints (or to stdout).

Run options (property group kinesis.analytics.flink.run.options):
    python=main.py  jarfile=lib/python-getting-started.jar  pyFiles=dep/

Properties: OutputConfig: output.path (unset: print), tag, fail (`main`: main() raises
before submitting anything); SourceConfig: records.per.second (default 10).
"""

import json
import os
import sys

from pyflink.common import Types, WatermarkStrategy
from pyflink.common.serialization import Encoder
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.connectors import Source
from pyflink.datastream.connectors.file_system import (
    BucketAssigner,
    FileSink,
    OutputFileConfig,
    RollingPolicy,
)
from pyflink.java_gateway import get_gateway
from pyflink.table import DataTypes, StreamTableEnvironment
from pyflink.table.expressions import call, col
from pyflink.table.udf import ScalarFunction, udf

# Where the service writes the application's properties (and where Weir makes them
# appear, in each Flink JVM's private mount namespace).
APPLICATION_PROPERTIES_FILE_PATH = "/etc/flink/application_properties.json"

# Weir-specific fallback, for hosts without mount namespaces: Weir then names the
# file in this environment variable of the Flink JVMs (and so of their Python
# processes). A service sample reads only the fixed path above.
WEIR_APPLICATION_PROPERTIES_ENV = "WEIR_APPLICATION_PROPERTIES"

# Weir-specific fallback, for registered Flink clusters, whose hosts Weir does not run
# (no /etc/flink, no environment of Weir's): the file is in storage Weir and the
# cluster share, and Weir names it in the program arguments, `--properties <file>`,
# as for its Java examples. A service sample reads only the fixed path above.
WEIR_PROPERTIES_ARGUMENT = "--properties"

JOB_NAME = "python-getting-started"


# Where the properties are: the service's fixed path, else Weir's fallbacks
def application_properties_file():
    if os.path.isfile(APPLICATION_PROPERTIES_FILE_PATH):
        return APPLICATION_PROPERTIES_FILE_PATH
    if os.environ.get(WEIR_APPLICATION_PROPERTIES_ENV):
        return os.environ[WEIR_APPLICATION_PROPERTIES_ENV]
    args = sys.argv[1:]
    if WEIR_PROPERTIES_ARGUMENT in args[:-1]:
        return args[args.index(WEIR_PROPERTIES_ARGUMENT) + 1]
    return APPLICATION_PROPERTIES_FILE_PATH


# Utility method, extracting properties from the runtime configuration file
def get_application_properties(path=None):
    path = path or application_properties_file()
    if os.path.isfile(path):
        with open(path, "r") as file:
            contents = file.read()
            properties = json.loads(contents)
            return properties
    else:
        # As on the service: no file, no properties (the defaults apply).
        print('A file at "{}" was not found'.format(path))
        return []


# Utility method, extracting a property group (its PropertyMap); None if absent
def property_map(props, property_group_id):
    for prop in props:
        if prop["PropertyGroupId"] == property_group_id:
            return prop["PropertyMap"]


class Describe(ScalarFunction):
    """describe(n, java_part) -> the output line, in the Python worker.

    The tag read in main() travels with the function (pickled, as the Java
    Describe's constructor argument is serialized); the UDF's own tag is read from
    the properties file on the first call, in the worker's process, so it shows the
    file is there too. Which file travels too: the one main() read (the worker's
    process has no `--properties` argument of its own). `humanize` comes from dep/
    (pyFiles), imported here as the service's samples import their dependencies
    inside UDFs.
    """

    def __init__(self, main_tag, properties_file):
        self.main_tag = main_tag
        self.properties_file = properties_file
        self.udf_tag = None

    def eval(self, n, java_part):
        import humanize

        if self.udf_tag is None:
            props = get_application_properties(self.properties_file)
            output_config = property_map(props, "OutputConfig") or {}
            self.udf_tag = output_config.get("tag", "")
            print("{}: in the Python UDF, tag='{}' (humanize {} from {})".format(
                JOB_NAME, self.udf_tag, humanize.__version__, os.path.dirname(humanize.__file__)))
        return "{},{},{},{},{}".format(n, self.main_tag, self.udf_tag, java_part, humanize.ordinal(n))


def main():
    properties_file = application_properties_file()
    props = get_application_properties(properties_file)
    output_config = property_map(props, "OutputConfig") or {}
    source_config = property_map(props, "SourceConfig") or {}
    output_path = output_config.get("output.path")
    tag = output_config.get("tag", "")
    records_per_second = float(source_config.get("records.per.second", "10"))
    print("{}: application properties from {}: {}".format(JOB_NAME, properties_file, props))
    print("{}: output={} tag='{}' records.per.second={}".format(
        JOB_NAME, output_path or "(stdout)", tag, records_per_second))

    # For tests: a failure in main(), before anything is submitted, whose traceback
    # the platform should surface.
    if output_config.get("fail") == "main":
        raise ValueError("python-getting-started: asked to fail in main()")

    env = StreamExecutionEnvironment.get_execution_environment()
    t_env = StreamTableEnvironment.create(env)

    # The source is Java, from the jarfile: a stateful FLIP-27 source whose position
    # is checkpointed, so a restore from a savepoint continues the numbers.
    sequence = Source(get_gateway().jvm.weir.examples.SequenceSource(32, records_per_second))
    numbers = env.from_source(sequence, WatermarkStrategy.no_watermarks(), "sequence",
                              type_info=Types.LONG()) \
        .uid("sequence-source")

    # Mixing: a Java UDF from the jarfile and a Python UDF, in one Table API select.
    t_env.create_java_temporary_function("java_tag", "weir.examples.JavaTag")
    describe = udf(Describe(tag, properties_file), result_type=DataTypes.STRING())
    described = t_env.from_data_stream(numbers).alias("n") \
        .select(describe(col("n"), call("java_tag", col("n"))).alias("line"))

    # Back to a DataStream of Row(line); the sinks want the string.
    lines = t_env.to_data_stream(described) \
        .map(lambda row: row[0], output_type=Types.STRING()) \
        .uid("line").name("line")

    if output_path:
        sink = FileSink.for_row_format(output_path, Encoder.simple_string_encoder()) \
            .with_bucket_assigner(BucketAssigner.base_path_bucket_assigner()) \
            .with_rolling_policy(RollingPolicy.on_checkpoint_rolling_policy()) \
            .with_output_file_config(OutputFileConfig.builder()
                                     .with_part_prefix(JOB_NAME)
                                     .with_part_suffix(".csv")
                                     .build()) \
            .build()
        lines.sink_to(sink).uid("file-sink").name("file-sink")
    else:
        lines.print().uid("print-sink").name("print-sink")

    env.execute(JOB_NAME)


if __name__ == "__main__":
    main()
