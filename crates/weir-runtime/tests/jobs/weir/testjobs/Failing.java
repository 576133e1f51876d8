package weir.testjobs;

/** A job whose main() throws before it builds anything. */
public class Failing {
    public static void main(String[] args) {
        throw new IllegalStateException("weir-test: failing on purpose");
    }
}
