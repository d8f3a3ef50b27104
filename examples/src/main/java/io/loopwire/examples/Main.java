package io.loopwire.examples;

/** Entry point of {@code loopwire.jar}: dispatches to the sub-commands. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.out.println("loopwire examples: server, tcp-client, udp-client, monitor, demo (coming)");
    }
}
