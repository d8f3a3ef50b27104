package io.loopwire.examples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code loopwire.jar}: one sub-command per example. */
@Command(name = "loopwire.jar", mixinStandardHelpOptions = true, version = "loopwire 0.1.0",
        description = "Small network services on one NIO selector loop.",
        subcommands = {ServerMain.class, TcpClientMain.class, UdpClientMain.class, MonitorMain.class,
            DemoMain.class})
public final class Main implements Runnable {
    /** The syntax of the DURATION and SIZE values, under every sub-command's options. */
    static final String UNITS_FOOTER = "%nDURATION is a number and a unit: ms, s, m, h or d (500ms, 10s, 5m, 2h, 1d)."
            + "%nSIZE is bytes, or a number with KiB, MiB or GiB (65536, 64KiB, 1MiB).";

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with every sub-command; also used by tests. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        for (CommandLine sub : cli.getSubcommands().values()) {
            sub.getCommandSpec().usageMessage().footer(UNITS_FOOTER);
        }
        return cli
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler((e, args) -> usageError(e.getCommandLine(), e.getMessage()))
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    if (e instanceof Args.UsageError) {
                        return usageError(cmd, e.getMessage()); // a check after parsing failed
                    }
                    // Not a user mistake: one line naming the cause, exit 1 (a supervisor restarts us).
                    cmd.getErr().println(cmd.getCommandName() + ": fatal: " + e);
                    return 1;
                });
    }

    /**
     * One line naming the bad argument, then where to read more; exit status 2. The whole usage would bury the line
     * that matters under dozens of others.
     */
    private static int usageError(CommandLine cmd, String message) {
        String oneLine = message == null ? "invalid arguments" : message.strip().replaceAll("\\s*\\R\\s*", "; ");
        cmd.getErr().println(cmd.getCommandName() + ": " + oneLine);
        cmd.getErr().println("try '" + cmd.getCommandSpec().qualifiedName() + " --help'");
        cmd.getErr().flush();
        return CommandLine.ExitCode.USAGE;
    }

    @Override
    public void run() {
        // No sub-command: a usage error; picocli prints this line, then the usage (listing the sub-commands).
        throw new CommandLine.ParameterException(new CommandLine(this), "a sub-command is required");
    }
}
