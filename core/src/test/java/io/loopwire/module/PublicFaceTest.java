package io.loopwire.module;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Reactor;
import io.loopwire.relay.TcpRelay;
import io.loopwire.relay.UdpRelay;
import io.loopwire.tcp.TcpClient;
import io.loopwire.tcp.TcpConnection;
import io.loopwire.tcp.TcpServer;
import io.loopwire.udp.UdpEndpoint;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The types every user holds show only what users call: no transport callback (what the loop or a framer calls) is
 * public on them, and no public signature of an exported package names the loop's plumbing package
 * ({@code io.loopwire.loop}, which the module does not export). What {@code javap -public} would list, checked by
 * reflection.
 */
@Timeout(30)
class PublicFaceTest {

    private static final String PLUMBING = "io.loopwire.loop";
    private static final Set<String> CALLBACKS = Set.of("onReady", "fail", "drainForShutdown", "closeForShutdown",
            "onFrame", "acceptsMore", "onEndOfTurn", "onRevisit", "onDatagram", "register",
            "revisitNextTurn", "readBuffer", "gatherScratch", "ioHandler");

    @Test
    void theTypesUsersHoldShowNoTransportCallback() {
        for (Class<?> type : List.of(Reactor.class, TcpConnection.class, TcpServer.class, TcpClient.class,
                UdpEndpoint.class, TcpRelay.class, UdpRelay.class)) {
            Set<String> publicMethods = Arrays.stream(type.getMethods()).map(Method::getName)
                    .collect(Collectors.toSet());
            assertThat(publicMethods).as("public methods of %s", type.getName()).doesNotContainAnyElementsOf(CALLBACKS);
            assertThat(allInterfaces(type)).as("interfaces of %s", type.getName())
                    .noneMatch(i -> i.getPackageName().equals(PLUMBING) || i.getSimpleName().equals("FrameSink")
                            || i.getSimpleName().equals("UdpHandler"));
        }
    }

    @Test
    void noPublicSignatureOfAnExportedPackageNamesThePlumbing() throws IOException {
        Path classes = Path.of(Reactor.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        ModuleDescriptor core = ModuleFinder.of(classes).find("io.loopwire").orElseThrow().descriptor();
        Set<String> exported = core.exports().stream().map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toSet());
        assertThat(exported).doesNotContain(PLUMBING);

        List<String> leaks = new ArrayList<>();
        int checked = 0;
        for (Class<?> type : classesIn(classes)) {
            if (!exported.contains(type.getPackageName()) || !isVisible(type)) {
                continue;
            }
            checked++;
            for (Class<?> i : allInterfaces(type)) {
                if (i.getPackageName().equals(PLUMBING)) {
                    leaks.add(type.getName() + " implements " + i.getName());
                }
            }
            List<Executable> members = new ArrayList<>(Arrays.asList(type.getDeclaredMethods()));
            members.addAll(Arrays.asList(type.getDeclaredConstructors()));
            for (Executable member : members) {
                if (!isVisible(member.getModifiers())) {
                    continue;
                }
                List<Class<?>> types = new ArrayList<>(Arrays.asList(member.getParameterTypes()));
                if (member instanceof Method m) {
                    types.add(m.getReturnType());
                }
                for (Class<?> t : types) {
                    if (t.getPackageName().equals(PLUMBING)) {
                        leaks.add(type.getName() + "." + member.getName() + " uses " + t.getName());
                    }
                }
            }
            for (Field field : type.getDeclaredFields()) {
                if (isVisible(field.getModifiers()) && field.getType().getPackageName().equals(PLUMBING)) {
                    leaks.add(type.getName() + "." + field.getName() + " is a " + field.getType().getName());
                }
            }
        }
        assertThat(checked).as("public types checked").isGreaterThan(40);
        assertThat(leaks).isEmpty();
    }

    private static boolean isVisible(Class<?> type) {
        for (Class<?> t = type; t != null; t = t.getEnclosingClass()) {
            if (!isVisible(t.getModifiers())) {
                return false;
            }
        }
        return true;
    }

    private static boolean isVisible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static Set<Class<?>> allInterfaces(Class<?> type) {
        Set<Class<?>> all = new LinkedHashSet<>();
        for (Class<?> t = type; t != null; t = t.getSuperclass()) {
            collect(t.getInterfaces(), all);
        }
        return all;
    }

    private static void collect(Class<?>[] interfaces, Set<Class<?>> into) {
        for (Class<?> i : interfaces) {
            if (into.add(i)) {
                collect(i.getInterfaces(), into);
            }
        }
    }

    private static List<Class<?>> classesIn(Path root) throws IOException {
        List<Class<?>> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = root.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                if (name.equals("module-info") || name.endsWith("package-info")) {
                    continue;
                }
                try {
                    found.add(Class.forName(name, false, PublicFaceTest.class.getClassLoader()));
                } catch (ClassNotFoundException | LinkageError e) {
                    throw new AssertionError("cannot load " + name, e);
                }
            }
        }
        return found;
    }
}
