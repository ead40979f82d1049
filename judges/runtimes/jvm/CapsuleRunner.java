// The runner of Java CODE programs (judges/runtimes/harness.py, "Runners"): every test of a program in this one
// JVM, each through a class loader of its own.
//
//   java -cp /judge CapsuleRunner classes CapsuleMain
//
// The program was compiled already (javac, judges/runtimes/javac_server.py): `classes` holds the learner's classes
// and the generated CapsuleMain, whose main(["<i>"]) runs test i. For each test a new class loader loads them
// again from `classes`, so every static field starts afresh; this runner's own class is on the class path, the
// learner's are not, so no test can reach another test's classes. System.out, System.err, System.in and the
// system properties are put back before each test. A test is over when its main returns and every thread it
// started that would keep a JVM alive has ended, as for a program. A test that leaves a thread running (a daemon) ends this
// JVM with it ("last"): the harness starts a new one for the next test. So does System.exit().
//
// The JDK's own classes are loaded once and shared by the tests of the program: static state kept there (a
// default Locale or TimeZone, say) is the only state a test can leave behind, and only for the same job's tests.
import java.io.*;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;

public final class CapsuleRunner {
    public static void main(String[] args) throws Exception {
        URL[] classes = {Path.of(args[0]).toAbsolutePath().toUri().toURL()};
        String mainClass = args[1];
        PrintStream out = System.out, err = System.err;
        InputStream in = System.in;
        Properties properties = (Properties) System.getProperties().clone();
        OutputStream frames = new FileOutputStream("/proc/self/fd/3");
        DataInputStream tests = new DataInputStream(new BufferedInputStream(new FileInputStream("/proc/self/fd/4")));
        frame(frames, "ready");
        for (String test; (test = nextTest(tests)) != null; ) {
            System.setOut(out);
            System.setErr(err);
            System.setIn(in);
            System.setProperties((Properties) properties.clone());
            Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
            int status = 0;
            try (URLClassLoader loader = new URLClassLoader(classes, ClassLoader.getPlatformClassLoader())) {
                Method main = loader.loadClass(mainClass).getMethod("main", String[].class);
                try {
                    main.invoke(null, (Object) new String[] {test});
                } catch (InvocationTargetException e) {
                    status = 1;
                    uncaught(e.getCause());
                }
                boolean leftRunning = awaitThreads(before);
                out.flush();
                err.flush();
                System.out.flush();
                System.err.flush();
                frame(frames, "done " + status + (leftRunning ? " last" : ""));
                if (leftRunning) {
                    Runtime.getRuntime().halt(0);
                }
            }
        }
        out.flush();
        Runtime.getRuntime().halt(0);
    }

    /** "<length>\n<payload>", or null at the end. */
    private static String nextTest(DataInputStream tests) throws IOException {
        StringBuilder length = new StringBuilder();
        for (int c; (c = tests.read()) != '\n'; ) {
            if (c < 0) return null;
            length.append((char) c);
        }
        byte[] payload = new byte[Integer.parseInt(length.toString())];
        tests.readFully(payload);
        return new String(payload, StandardCharsets.UTF_8);
    }

    private static void frame(OutputStream frames, String line) throws IOException {
        frames.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        frames.flush();
    }

    /** As the JVM prints an exception that ends a program's main thread. */
    private static void uncaught(Throwable error) {
        System.out.flush();
        System.err.print("Exception in thread \"main\" ");
        StackTraceElement[] trace = error.getStackTrace();
        int keep = trace.length;
        while (keep > 0 && isOurs(trace[keep - 1])) keep--;
        error.setStackTrace(java.util.Arrays.copyOf(trace, keep));
        error.printStackTrace(System.err);
        System.err.flush();
    }

    private static boolean isOurs(StackTraceElement frame) {
        String name = frame.getClassName();
        return name.equals(CapsuleRunner.class.getName()) || name.startsWith("java.lang.reflect.") || name.startsWith("jdk.internal.reflect.");
    }

    /** Wait for the non-daemon threads the test started (a program's JVM would); true if a thread of it still runs. */
    private static boolean awaitThreads(Set<Thread> before) throws InterruptedException {
        boolean leftRunning = false;
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (before.contains(thread) || thread == Thread.currentThread()) continue;
            if (!thread.isDaemon()) thread.join();
            leftRunning |= thread.isAlive();
        }
        return leftRunning;
    }
}
