package dev.fuseoverlay.cli;

import picocli.CommandLine.Option;

/** {@code -h}/{@code --help} of a study subcommand: its own usage, then exit 0. */
final class HelpOption {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
    boolean help;
}
