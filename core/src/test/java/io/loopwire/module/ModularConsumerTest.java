package io.loopwire.module;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Core is a real JPMS module: it exports exactly the API packages, a modular consumer that {@code requires
 * io.loopwire} compiles (with the README's echo server in it, as printed there) and runs an echo round trip on the
 * module path; class-path users compile against the same classes unchanged.
 */
@Timeout(120)
class ModularConsumerTest {

    private static final Set<String> API = Set.of("io.loopwire", "io.loopwire.tcp", "io.loopwire.udp",
            "io.loopwire.codec", "io.loopwire.wire", "io.loopwire.relay", "io.loopwire.tls");

    @TempDir
    Path dir;

    @Test
    void coreExportsTheApiPackagesOnly() throws Exception {
        ModuleDescriptor core = ModuleFinder.of(coreClasses()).find("io.loopwire").orElseThrow().descriptor();
        Set<String> exported = core.exports().stream().map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toSet());
        assertThat(exported).isEqualTo(API);
        assertThat(core.requires().stream().filter(r -> !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC)
                && !r.name().equals("java.base")).map(ModuleDescriptor.Requires::name))
                .as("slf4j is core's one library (the prober, with its mail and HTTP alert sinks, is a module of its own)")
                .containsExactly("org.slf4j");
    }

    @Test
    void aModularConsumerCompilesTheReadmeEchoServerAndRunsAnEcho() throws Exception {
        Path src = dir.resolve("src");
        write(src.resolve("module-info.java"), "module consumer { requires io.loopwire; }");
        write(src.resolve("consumer/ReadmeEcho.java"), """
                package consumer;

                import io.loopwire.Reactor;
                import io.loopwire.tcp.TcpServer;
                import java.net.InetSocketAddress;
                import java.nio.ByteBuffer;

                public final class ReadmeEcho {
                %s
                }
                """.formatted(readmeEchoServer()));
        write(src.resolve("consumer/Main.java"), """
                package consumer;

                import io.loopwire.Reactor;
                import io.loopwire.tcp.TcpServer;
                import java.io.BufferedReader;
                import java.io.InputStreamReader;
                import java.net.InetSocketAddress;
                import java.net.Socket;
                import java.nio.ByteBuffer;
                import java.nio.charset.StandardCharsets;

                public final class Main {
                    public static void main(String[] args) throws Exception {
                        Reactor reactor = new Reactor().start();
                        TcpServer server = TcpServer.builder(reactor)
                                .bind(new InetSocketAddress("127.0.0.1", 0))
                                .handler((connection, line) -> {
                                    ByteBuffer reply = ByteBuffer.allocate(line.remaining() + 1);
                                    reply.put(line).put((byte) '\\n').flip();
                                    connection.send(reply);
                                })
                                .start();
                        try (Socket s = new Socket("127.0.0.1", server.localAddress().getPort())) {
                            s.setSoTimeout(10_000);
                            s.getOutputStream().write("hello module\\n".getBytes(StandardCharsets.UTF_8));
                            BufferedReader in = new BufferedReader(
                                    new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                            System.out.println("echo: " + in.readLine());
                        } finally {
                            reactor.close();
                        }
                    }
                }
                """);
        Path out = dir.resolve("out");
        String modulePath = coreClasses() + File.pathSeparator + jarOf(org.slf4j.Logger.class);
        CompileResult compiled = compile(modulePath, out, src);
        assertThat(compiled.ok).as(compiled.log).isTrue();

        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path", out + File.pathSeparator + modulePath, "-m", "consumer/consumer.Main")
                .redirectErrorStream(true).start();
        boolean exited = p.waitFor(60, TimeUnit.SECONDS);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!exited) {
            p.destroyForcibly();
        }
        assertThat(exited).as("consumer exits").isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("echo: hello module");
    }

    @Test
    void classPathUsersStillCompileAgainstTheSameClasses() throws Exception {
        Path src = dir.resolve("cp");
        write(src.resolve("plain/Use.java"), """
                package plain;

                public final class Use {
                    public static void main(String[] args) {
                        System.out.println(new io.loopwire.Reactor("cp").toString());
                    }
                }
                """);
        String classPath = coreClasses() + File.pathSeparator + jarOf(org.slf4j.Logger.class);
        List<String> args = new ArrayList<>(List.of("-cp", classPath, "-d", dir.resolve("cp-out").toString()));
        args.add(src.resolve("plain/Use.java").toString());
        CompileResult r = run(args);
        assertThat(r.ok).as(r.log).isTrue();
    }

    /** The README's echo server: the java block under "An echo server", a {@code main} method as printed. */
    private static String readmeEchoServer() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("## An echo server.*?```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(m.find()).as("README has the echo server block").isTrue();
        return m.group(1);
    }

    private record CompileResult(boolean ok, String log) {
    }

    private static CompileResult compile(String modulePath, Path out, Path src) throws IOException {
        List<String> args = new ArrayList<>(List.of("--module-path", modulePath, "-d", out.toString()));
        try (var files = Files.walk(src)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(f -> args.add(f.toString()));
        }
        return run(args);
    }

    private static CompileResult run(List<String> args) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int rc = javac.run(null, log, log, args.toArray(String[]::new));
        return new CompileResult(rc == 0, log.toString(StandardCharsets.UTF_8));
    }

    private static Path coreClasses() throws URISyntaxException {
        return jarOf(Reactor.class);
    }

    private static Path jarOf(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
