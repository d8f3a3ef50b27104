package io.loopwire.examples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code loopwire.jar}: one sub-command per example. */
@Command(name = "loopwire.jar", mixinStandardHelpOptions = true, version = "loopwire 0.1.0",
        description = "Small network services on one NIO selector loop.",
        subcommands = {ServerMain.class, TcpClientMain.class, UdpClientMain.class, MonitorMain.class,
            DemoMain.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with every sub-command; also used by tests. */
    static CommandLine commandLine() {
        return new CommandLine(new Main())
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

    /** One line naming the bad argument, then the usage; exit status 2. */
    private static int usageError(CommandLine cmd, String message) {
        cmd.getErr().println(cmd.getCommandName() + ": " + message);
        cmd.usage(cmd.getErr());
        return CommandLine.ExitCode.USAGE;
    }

    @Override
    public void run() {
        // No sub-command: a usage error; picocli prints this line, then the usage (listing the sub-commands).
        throw new CommandLine.ParameterException(new CommandLine(this), "a sub-command is required");
    }
}
