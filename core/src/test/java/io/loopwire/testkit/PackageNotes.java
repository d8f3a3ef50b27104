package io.loopwire.testkit;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Holds every {@code package-info.java} to its word: each says, in a sentence {@code Uses: {@code a}, {@code b}.}
 * (or {@code Uses: nothing of loopwire.}), which loopwire packages its classes depend on. Short names are relative to
 * {@code io.loopwire} ({@code tcp} for {@code io.loopwire.tcp}); the root package is {@code io.loopwire}. Compared
 * with the dependencies ArchUnit reads from the compiled classes, so the note cannot go stale.
 */
public final class PackageNotes {
    private static final String ROOT = "io.loopwire";
    private static final Pattern USES = Pattern.compile("Uses: (.*?)\\.\\s*(\\n|\\*/|$)", Pattern.DOTALL);
    private static final Pattern CODE = Pattern.compile("\\{@code ([a-z.]+)\\}");

    private PackageNotes() {
    }

    /** What each package's note says it uses, by package name; fails if a package has no note or no "Uses:". */
    public static Map<String, Set<String>> declared(Path sourceRoot, Set<String> packages) {
        Map<String, Set<String>> declared = new TreeMap<>();
        for (String pkg : packages) {
            Path note = sourceRoot.resolve(pkg.replace('.', '/')).resolve("package-info.java");
            String text;
            try {
                text = Files.readString(note);
            } catch (IOException e) {
                throw new UncheckedIOException("package " + pkg + " has no package-info.java at " + note, e);
            }
            Matcher uses = USES.matcher(text.replaceAll("\\n \\* ", " "));
            if (!uses.find()) {
                throw new AssertionError(note + " says nothing of the form 'Uses: {@code a}, {@code b}.'");
            }
            Set<String> names = new TreeSet<>();
            Matcher code = CODE.matcher(uses.group(1));
            while (code.find()) {
                names.add(fullName(code.group(1)));
            }
            declared.put(pkg, names);
        }
        return declared;
    }

    /** The loopwire packages each package's classes really depend on (itself excluded), read from the classes. */
    public static Map<String, Set<String>> actual(JavaClasses classes, Set<String> packages) {
        Map<String, Set<String>> actual = new TreeMap<>();
        for (String pkg : packages) {
            actual.put(pkg, new TreeSet<>());
        }
        for (JavaClass type : classes) {
            Set<String> uses = actual.get(type.getPackageName());
            if (uses == null) {
                continue;
            }
            for (Dependency dependency : type.getDirectDependenciesFromSelf()) {
                String target = dependency.getTargetClass().getPackageName();
                if (!target.equals(type.getPackageName()) && (target.equals(ROOT) || target.startsWith(ROOT + "."))) {
                    uses.add(target);
                }
            }
        }
        return actual;
    }

    private static String fullName(String shortName) {
        return shortName.equals(ROOT) || shortName.startsWith(ROOT + ".") ? shortName : ROOT + "." + shortName;
    }
}
