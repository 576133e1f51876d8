package weir.testjobs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * An unbounded streaming job that barely uses CPU: a practically endless
 * sequence, throttled, dropped before the sink. Compiles against Flink 1.18+
 * and 2.x alike (fromSequence, print and the plain function interfaces exist
 * in both).
 *
 * <p>If the JVM system property {@code weir.test.marker.dir} is set, main()
 * writes {@code jm-<pid>} there and each task JVM writes {@code tm-<pid>}:
 * proof that properties reach both the Job Manager and the Task Managers.
 */
public class Sleepy {
    public static void main(String[] args) throws Exception {
        String name = args.length >= 2 && args[0].equals("--name") ? args[1] : "sleepy";
        mark("jm");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.fromSequence(0, Long.MAX_VALUE)
                .map(new Throttle())
                .filter(new DropAll())
                .print();
        env.execute(name);
    }

    static void mark(String role) {
        String dir = System.getProperty("weir.test.marker.dir");
        if (dir == null) {
            return;
        }
        try {
            Path file = Paths.get(dir, role + "-" + ProcessHandle.current().pid());
            Files.write(file, String.valueOf(System.getenv("WEIR_TEST_ENV")).getBytes());
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    public static class Throttle implements MapFunction<Long, Long> {
        private static volatile boolean marked;

        @Override
        public Long map(Long value) throws Exception {
            if (!marked) {
                marked = true;
                mark("tm");
            }
            Thread.sleep(20);
            return value;
        }
    }

    public static class DropAll implements FilterFunction<Long> {
        @Override
        public boolean filter(Long value) {
            return false;
        }
    }
}
