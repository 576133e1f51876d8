package weir.classdata;

import static org.apache.flink.table.api.Expressions.$;
import static org.apache.flink.table.api.Expressions.call;

import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * The job Weir runs while it records a runtime's class-data sharing archives
 * (weir-runtime's cluster.rs, record_class_data): the Job Manager and Task
 * Manager then archive the classes that submitting, planning, scheduling,
 * deploying and running a job load, not only those of booting a cluster, and
 * every later start loads them from the archive rather than from the jars.
 *
 * It touches what applications commonly use, in APIs that Flink 1.18 to 2.x
 * share: a DataStream source, the Table API with a Java UDF (the planner, its
 * code generation), keyed state, a sink. It is bounded and finishes on its own.
 */
public class Training {

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);

        DataStream<Long> numbers = env.fromSequence(1, 1000).uid("numbers");
        Table described = tEnv.fromDataStream(numbers).as("n")
                .select(call(Describe.class, $("n")).as("line"));
        tEnv.toDataStream(described)
                .map(row -> String.valueOf(row.getField(0)))
                .returns(Types.STRING)
                .keyBy(line -> line.length() % 4)
                .map(new Count())
                .sinkTo(new DiscardingSink<>());

        env.execute("weir-class-data-training");
    }

    /** A Java scalar function, compiled by the planner into generated code. */
    public static final class Describe extends ScalarFunction {
        private static final long serialVersionUID = 1L;

        public String eval(Long n) {
            return n + ":" + Long.toHexString(n);
        }
    }

    /** Keyed state: counts lines per key. */
    static final class Count extends RichMapFunction<String, Long> {
        private static final long serialVersionUID = 1L;

        private transient ValueState<Long> count;

        @Override
        public Long map(String line) throws Exception {
            if (count == null) {
                count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
            }
            long next = (count.value() == null ? 0L : count.value()) + 1;
            count.update(next);
            return next;
        }
    }
}
