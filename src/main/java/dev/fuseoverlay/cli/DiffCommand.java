package dev.fuseoverlay.cli;

import dev.fuseoverlay.layer.LayerStack;
import dev.fuseoverlay.options.MountOptions;
import dev.fuseoverlay.options.OptionsException;
import dev.fuseoverlay.ops.Overlay;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.RealFs;
import dev.fuseoverlay.realfs.Stat;
import dev.fuseoverlay.study.UpperDiff;
import dev.fuseoverlay.whiteout.Whiteouts;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "diff", description = {"What a container changed, like docker diff (A, C, D lines).",
        "Reads an upper layer in any format; give the lower layers with -o lowerdir=... to tell A from C."})
final class DiffCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    HelpOption help;

    @Option(names = "-o", paramLabel = "OPTIONS", description = "lowerdir=A:B (the layers below the upper)")
    List<String> options = new ArrayList<>();

    @Option(names = "--json", description = "print a JSON array instead of lines")
    boolean json;

    @Parameters(paramLabel = "UPPER", description = "the upper layer directory")
    String upper;

    @Override
    public Integer call() {
        RealFs fs = new RealFs(null);
        String up = Native.C.realpath(Native.cstr(Args.bytes(upper)), null);
        if (up == null) {
            throw new OptionsException("upper " + upper + ": " + Native.strerror(Native.errno()));
        }
        Stat st = fs.lstat(up);
        if (st == null || !st.isDir()) {
            throw new OptionsException("upper " + upper + ": not a directory");
        }
        Overlay lowers = null;
        if (!options.isEmpty()) {
            MountOptions o = MountOptions.parse(Args.bytes(options));
            o.upperDir = null;
            o.workDir = null;
            if (!o.lowerDirs.isEmpty()) {
                lowers = Overlay.inspect(LayerStack.open(o, null, fs), fs, o.userXattr);
            }
        }
        fs.addRoot(up);
        UpperDiff diff = new UpperDiff(fs, Whiteouts.anyNamespace(fs), lowers);
        List<UpperDiff.Change> changes = diff.changes(up);
        if (json) {
            System.out.println(UpperDiff.json(changes));
        } else {
            changes.forEach(c -> System.out.println(c.kind() + " " + RealFs.printable(c.path())));
        }
        return 0;
    }
}
