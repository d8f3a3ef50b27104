package io.loopwire.module;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import io.loopwire.codec.FrameSink;
import io.loopwire.tcp.TcpHandler;
import io.loopwire.testkit.PackageNotes;
import io.loopwire.udp.UdpHandler;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The walls inside core, read from the compiled classes: the layers (codec and wire know nothing of the loop; the
 * transports build on the loop; the chat relay builds on the transports and the loop's public API), the loop's plumbing
 * reached from the transports only, no callback interface on an exported public type, and every package note's
 * "Uses:" line true.
 */
@Timeout(60)
class ArchitectureTest {
    private static final Set<String> PACKAGES = Set.of("io.loopwire", "io.loopwire.loop", "io.loopwire.codec",
            "io.loopwire.wire", "io.loopwire.tcp", "io.loopwire.udp", "io.loopwire.relay", "io.loopwire.tls");
    private static final Set<String> EXPORTED = Set.of("io.loopwire", "io.loopwire.codec", "io.loopwire.wire",
            "io.loopwire.tcp", "io.loopwire.udp", "io.loopwire.relay", "io.loopwire.tls");
    private static final JavaClasses CORE = new ClassFileImporter().importPath(Path.of("target/classes"));

    @Test
    void codecAndWireKnowNothingOfTheLoopOrTheTransports() {
        noClasses().that().resideInAnyPackage("io.loopwire.codec..", "io.loopwire.wire..")
                .should().dependOnClassesThat().resideInAnyPackage("io.loopwire", "io.loopwire.loop..",
                        "io.loopwire.tcp..", "io.loopwire.udp..", "io.loopwire.relay..")
                .check(CORE);
    }

    @Test
    void theTransportsNeverReachUpIntoTheRelay() {
        noClasses().that().resideInAnyPackage("io.loopwire", "io.loopwire.loop..", "io.loopwire.tcp..",
                        "io.loopwire.udp..")
                .should().dependOnClassesThat().resideInAPackage("io.loopwire.relay..")
                .check(CORE);
    }

    @Test
    void onlyTheReactorAndTheTransportsReachThePlumbing() {
        noClasses().that().resideOutsideOfPackages("io.loopwire", "io.loopwire.loop..", "io.loopwire.tcp..",
                        "io.loopwire.udp..")
                .should().dependOnClassesThat().resideInAPackage("io.loopwire.loop..")
                .because("io.loopwire.loop is the transports' plumbing; everything above builds on the public API")
                .check(CORE);
    }

    @Test
    void noExportedPublicTypeImplementsACallbackInterface() {
        DescribedPredicate<JavaClass> callback = new DescribedPredicate<>("a callback interface") {
            @Override
            public boolean test(JavaClass type) {
                return type.isInterface() && (type.getPackageName().equals("io.loopwire.loop")
                        || type.isEquivalentTo(TcpHandler.class) || type.isEquivalentTo(UdpHandler.class)
                        || type.isEquivalentTo(FrameSink.class));
            }
        };
        classes().that().resideInAnyPackage(EXPORTED.toArray(String[]::new)).and().arePublic()
                .and().areNotInterfaces()
                .should(new com.tngtech.archunit.lang.ArchCondition<JavaClass>("implement no callback interface") {
                    @Override
                    public void check(JavaClass type, com.tngtech.archunit.lang.ConditionEvents events) {
                        boolean exposed = type.getModifiers().contains(JavaModifier.PUBLIC)
                                && (!type.isNestedClass() || type.getEnclosingClass().map(
                                        e -> e.getModifiers().contains(JavaModifier.PUBLIC)).orElse(false));
                        for (JavaClass implemented : type.getAllRawInterfaces()) {
                            if (exposed && callback.test(implemented)) {
                                events.add(com.tngtech.archunit.lang.SimpleConditionEvent.violated(type,
                                        type.getName() + " implements " + implemented.getName()
                                                + ": its callbacks are public; move them to a private class"));
                            }
                        }
                    }
                })
                .check(CORE);
    }

    @Test
    void everyPackageNoteSaysWhatThePackageUses() {
        assertThat(PackageNotes.actual(CORE, PACKAGES))
                .as("what the classes use (left) against what each package-info's 'Uses:' line says")
                .isEqualTo(PackageNotes.declared(Path.of("src/main/java"), PACKAGES));
    }
}
