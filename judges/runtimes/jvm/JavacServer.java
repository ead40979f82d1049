// A warm javac (judges/runtimes/javac_server.py): compiles one Java program per request, in this one long-lived
// JVM, so a compile costs tens of milliseconds instead of a javac start (most of a second on two cores).
//
//   java -cp <this class's directory> JavacServer
//
// It runs sandboxed (bwrap, no network, read-only system, a private /tmp); its working directory (the first
// argument) receives the sources.
// Annotation processing is off (-proc:none): javac runs no code of the programs it compiles, so nothing a program
// says can reach the sources of another request.
//
// Protocol, big-endian, on stdin/stdout:
//   request   int n, then n times (bytes name, bytes text); then n2 and n2 javac options (bytes each)
//   response  int javac's status, bytes its messages (what the javac command prints), int m, then m times
//             (bytes class file path relative to the output directory, bytes the class file)
//   bytes = int length, then that many bytes (UTF-8 for text)
// The sources are written to the working directory and compiled by their relative names, so messages read as the javac command's
// ("Solution.java:3: error: ..."). Both directories are emptied after each request.
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

public final class JavacServer {
    private static final Path SOURCES = Path.of("/src");
    private static final Path CLASSES = Path.of("/tmp/classes");

    public static void main(String[] args) throws Exception {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DataInputStream in = new DataInputStream(new BufferedInputStream(System.in));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)));
        // Nothing but responses goes to stdout.
        System.setOut(System.err);
        Path sources = args.length > 0 ? Path.of(args[0]) : SOURCES;
        Path classes = args.length > 1 ? Path.of(args[1]) : CLASSES;
        for (;;) {
            int files;
            try {
                files = in.readInt();
            } catch (EOFException end) {
                return;
            }
            List<String> names = new ArrayList<>();
            clean(sources);
            clean(classes);
            for (int i = 0; i < files; i++) {
                String name = text(in);
                Path path = sources.resolve(name).normalize();
                if (!path.startsWith(sources) || path.equals(sources)) throw new IOException("bad file name " + name);
                Files.createDirectories(path.getParent());
                Files.write(path, bytes(in));
                names.add(name);
            }
            List<String> options = new ArrayList<>();
            for (int i = in.readInt(); i > 0; i--) options.add(text(in));
            options.add("-d");
            options.add(classes.toString());
            options.addAll(names);
            ByteArrayOutputStream messages = new ByteArrayOutputStream();
            int status;
            try {
                status = javac.run(null, messages, messages, options.toArray(String[]::new));
            } catch (OutOfMemoryError e) {
                messages.write("error: the compiler ran out of memory\n".getBytes(StandardCharsets.UTF_8));
                status = 4;
            }
            out.writeInt(status);
            write(out, messages.toByteArray());
            List<Path> compiled = new ArrayList<>();
            if (Files.isDirectory(classes)) {
                try (Stream<Path> walk = Files.walk(classes)) {
                    walk.filter(Files::isRegularFile).forEach(compiled::add);
                }
            }
            out.writeInt(compiled.size());
            for (Path path : compiled) {
                write(out, classes.relativize(path).toString().getBytes(StandardCharsets.UTF_8));
                write(out, Files.readAllBytes(path));
            }
            out.flush();
        }
    }

    private static byte[] bytes(DataInputStream in) throws IOException {
        byte[] data = new byte[in.readInt()];
        in.readFully(data);
        return data;
    }

    private static String text(DataInputStream in) throws IOException {
        return new String(bytes(in), StandardCharsets.UTF_8);
    }

    private static void write(DataOutputStream out, byte[] data) throws IOException {
        out.writeInt(data.length);
        out.write(data);
    }

    private static void clean(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            Files.createDirectories(directory);
            return;
        }
        try (Stream<Path> walk = Files.walk(directory)) {
            walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).filter(p -> !p.equals(directory)).forEach(p -> p.toFile().delete());
        }
    }
}
