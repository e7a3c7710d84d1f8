package dev.fuseoverlay.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The mount command line read without picocli must fill {@link Main} exactly as picocli does, or step aside. */
class MountLineTest {
    private static final String[][] MOUNTS = {
        {"-o", "lowerdir=/l1:/l2,upperdir=/u,workdir=/w", "/mnt"},
        {"--serve", "-o", "lowerdir=/l,upperdir=/u,workdir=/w", "/mnt"},
        {"-f", "-d", "-o", "lowerdir=/l", "-o", "upperdir=/u,workdir=/w", "/mnt"},
        {"overlay", "/mnt", "-o", "rw,lowerdir=/l,upperdir=/u,workdir=/w"},   // as mount(8) runs a helper
        {"-olowerdir=/l", "-ofsync=0", "/m"},
        {"--trace", "/tmp/t", "-o", "lowerdir=/l", "/m"},
        {"-o", "lowerdir=/a\\:b", "/mnt/dir with spaces/é"},
        {"-o", "lowerdir=/l"},                                               // no mountpoint: call() says so
        {"/m", "-f"},
        {"--debug", "-o", "lowerdir=/l", "/m"},
        {},
    };

    private static final String[][] LEFT_TO_PICOCLI = {
        {"--help"}, {"-h"}, {"-V"}, {"--version"}, {"tour"}, {"explain", "/mnt/x"}, {"diff", "-o", "x"},
        {"layers", "/m"}, {"df", "-o", "lowerdir=/l"}, {"-fd", "-o", "x", "/m"}, {"-o"}, {"-o", "-f", "/m"}, {"--trace", "--serve", "/m"},
        {"-o=lowerdir=/l", "/m"}, {"-o-x", "/m"}, {"--trace=/t", "-o", "x", "/m"}, {"a", "b", "c"},
        {"--", "/m"}, {"-x", "-o", "lowerdir=/l", "/m"}, {"-", "/m"},
        {"-o", "lowerdir=/l", "src", "tour"}, {"-o", "df", "/m"}, {"-f", "-f", "/m"}, {"-d", "--debug", "/m"},
        {"--trace", "a", "--trace", "b", "/m"}, {"--serve", "--serve", "/m"},
    };

    @TempDir
    Path tmp;

    @Test
    void readsTheMountFormsAsPicocliDoes() throws IOException {
        Path words = Files.writeString(tmp.resolve("words"), "-o lowerdir=/elsewhere /mnt2\n");
        List<String[]> lines = new ArrayList<>(List.of(MOUNTS));
        lines.add(new String[] {"-o", "lowerdir=/l", "@" + words});   // an operand, not the file's words
        for (String[] args : lines) {
            Main fast = MountLine.parse(args);
            assertNotNull(fast, String.join(" ", args));
            Main slow = new Main();
            Main.commandLine(slow).parseArgs(args);
            String line = String.join(" ", args);
            assertEquals(List.of(), slow.unmatched, line);
            assertEquals(slow.options, fast.options, line);
            assertEquals(slow.positional, fast.positional, line);
            assertEquals(slow.foreground, fast.foreground, line);
            assertEquals(slow.debugFlag, fast.debugFlag, line);
            assertEquals(slow.serve, fast.serve, line);
            assertEquals(slow.traceFile, fast.traceFile, line);
            assertEquals(List.of(), fast.unmatched, line);
        }
    }

    @Test
    void knowsEverySubcommandAndAlias() {
        assertEquals(new CommandLine(new Main()).getSubcommands().keySet(), MountLine.SUBCOMMANDS);
    }

    @Test
    void leavesEverythingElseToPicocli() {
        for (String[] args : LEFT_TO_PICOCLI) {
            assertNull(MountLine.parse(args), String.join(" ", args));
        }
    }
}
