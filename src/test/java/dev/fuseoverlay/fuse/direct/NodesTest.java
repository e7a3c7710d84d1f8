package dev.fuseoverlay.fuse.direct;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/**
 * The node table without a mount. The tree used throughout:
 * <pre>
 *   /            node 1 (ino 100)
 *   ├── d/       ino 200
 *   │   └── f    ino 300, hard link of /g
 *   └── g        ino 300
 * </pre>
 */
class NodesTest {
    private final Nodes nodes = new Nodes(100);

    @Test
    void rootIsNodeOneWithPathSlash() {
        assertEquals("/", nodes.path(Nodes.ROOT));
        assertEquals("/x", nodes.childPath(Nodes.ROOT, "x"));
        assertEquals(100, nodes.get(Nodes.ROOT).ino);
    }

    @Test
    void hardLinksShareOneNodeAndPathsFollowTheParents() {
        Nodes.Node d = nodes.lookedUp(Nodes.ROOT, "d", Nodes.Key.of(200), 200);
        Nodes.Node f = nodes.lookedUp(d.id, "f", Nodes.Key.of(300), 300);
        Nodes.Node g = nodes.lookedUp(Nodes.ROOT, "g", Nodes.Key.of(300), 300);
        assertSame(f, g); // ln /d/f /g: one kernel inode
        assertEquals(2, f.lookups);
        assertEquals("/d/f", nodes.path(f.id));
        assertEquals("/d/f", nodes.childPath(d.id, "f"));
        // rm /d/f: the other name still reaches the object
        nodes.removeName(d.id, "f");
        assertEquals("/g", nodes.path(f.id));
        // mv /d /e: children follow without being touched
        Nodes.Node x = nodes.lookedUp(d.id, "x", Nodes.Key.of(400), 400);
        nodes.rename(Nodes.ROOT, "d", Nodes.ROOT, "e");
        assertEquals("/e/x", nodes.path(x.id));
        assertSame(d, nodes.named(Nodes.ROOT, "e"));
        assertNull(nodes.named(Nodes.ROOT, "d"));
    }

    @Test
    void forgetDropsTheNodeOnlyWhenEveryLookupIsGivenBack() {
        Nodes.Node a = nodes.lookedUp(Nodes.ROOT, "a", Nodes.Key.of(500), 500);
        nodes.lookedUp(Nodes.ROOT, "a", Nodes.Key.of(500), 500);
        nodes.forget(a.id, 1);
        assertSame(a, nodes.get(a.id));
        nodes.forget(a.id, 1);
        assertNull(nodes.get(a.id));
        assertNull(nodes.named(Nodes.ROOT, "a"));
        // looked up again: a new node id (ids are never reused, so generation 0 is always right)
        Nodes.Node again = nodes.lookedUp(Nodes.ROOT, "a", Nodes.Key.of(500), 500);
        assertNotEquals(a.id, again.id);
        nodes.forget(Nodes.ROOT, 5);
        assertEquals("/", nodes.path(Nodes.ROOT)); // the root is never forgotten
    }

    @Test
    void renameOverATargetTakesItsNameAndLeavesItNameless() {
        Nodes.Node a = nodes.lookedUp(Nodes.ROOT, "a", Nodes.Key.of(1), 1);
        Nodes.Node b = nodes.lookedUp(Nodes.ROOT, "b", Nodes.Key.of(2), 2);
        nodes.rename(Nodes.ROOT, "a", Nodes.ROOT, "b");
        assertEquals("/b", nodes.path(a.id));
        assertNull(nodes.path(b.id)); // unlinked, maybe still open: served through its descriptors
        assertSame(a, nodes.named(Nodes.ROOT, "b"));
    }

    @Test
    void aNameLookedUpAsAnotherObjectMovesToThatNode() {
        Nodes.Node old = nodes.lookedUp(Nodes.ROOT, "a", Nodes.Key.of(1), 1);
        Nodes.Node now = nodes.lookedUp(Nodes.ROOT, "a", Nodes.Key.of(2), 2);
        assertNotEquals(old.id, now.id);
        assertNull(nodes.path(old.id));
        assertEquals("/a", nodes.path(now.id));
    }

    @Test
    void unaliasedLowerLinksGetOneNodePerNameAndKeepItAcrossRename() {
        // index=off: two names of one lower file are two inodes, as copy-up will break the link
        Nodes.Node a = nodes.lookedUp(Nodes.ROOT, "a", new Nodes.Key(7, Nodes.ROOT, "a"), 7);
        Nodes.Node b = nodes.lookedUp(Nodes.ROOT, "b", new Nodes.Key(7, Nodes.ROOT, "b"), 7);
        assertNotEquals(a.id, b.id);
        nodes.rename(Nodes.ROOT, "a", Nodes.ROOT, "c");
        assertSame(a, nodes.lookedUp(Nodes.ROOT, "c", new Nodes.Key(7, Nodes.ROOT, "c"), 7));
    }

    @Test
    void rekeyedNodeIsFoundByItsNewKey() {
        // ln a c, where a was an unaliased lower hard link: c must get a's node
        Nodes.Node a = nodes.lookedUp(Nodes.ROOT, "a", new Nodes.Key(7, Nodes.ROOT, "a"), 7);
        nodes.rekey(a, Nodes.Key.of(7));
        assertSame(a, nodes.lookedUp(Nodes.ROOT, "c", Nodes.Key.of(7), 7));
        Nodes.Node b = nodes.lookedUp(Nodes.ROOT, "b", new Nodes.Key(7, Nodes.ROOT, "b"), 7);
        nodes.rekey(b, Nodes.Key.of(7)); // taken: b keeps its own inode
        assertEquals(new Nodes.Key(7, Nodes.ROOT, "b"), b.key);
    }

    @Test
    void unknownOrOrphanedNodesHaveNoPath() {
        assertNull(nodes.path(42));
        assertNull(nodes.childPath(42, "x"));
        Nodes.Node d = nodes.lookedUp(Nodes.ROOT, "d", Nodes.Key.of(200), 200);
        Nodes.Node f = nodes.lookedUp(d.id, "f", Nodes.Key.of(300), 300);
        nodes.removeName(Nodes.ROOT, "d");
        assertNull(nodes.path(f.id));
        assertEquals(200, nodes.parentIno(f.id)); // ".." of f: d is still known, only nameless
    }
}
