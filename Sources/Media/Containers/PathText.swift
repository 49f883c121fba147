/// Slash-separated path text taken apart and put together in pure Swift.
///
/// File names come from users and generators (`1.mp4`, `é clip.mp4`, `a.b.c.mp4`, deep
/// folders); Foundation's `NSString` path methods trap on some of them (`deletingLastPathComponent`
/// of a one-character string), so names are never handed to them: every target splits and joins
/// paths with these functions instead. They work on Unicode scalars, as the file system sees
/// names, so a combining mark after a `/` or `.` does not hide it.
///
/// Empty components (`a//b`, a trailing `/`) are ignored, `.` and `..` are left as they are
/// (nothing here touches the file system), and a leading `/` keeps a path absolute.
public enum PathText {
    /// The components of `path`: `a/b/c.mp4` → `a`, `b`, `c.mp4`; `/` → none.
    public static func components(_ path: String) -> [String] {
        path.unicodeScalars.split(separator: "/").map(text)
    }

    /// The last component: `a/b/1.mp4` → `1.mp4`, `1` → `1`; `/` for `/`, empty for an empty path.
    public static func lastComponent(_ path: String) -> String {
        components(path).last ?? (path.hasPrefix("/") ? "/" : "")
    }

    /// `path` without its last component: `a/b/1.mp4` → `a/b`, `/x` → `/`; empty for a name
    /// without a folder (`1.mp4`, `1`).
    public static func parent(_ path: String) -> String {
        let parts = components(path)
        let absolute = path.hasPrefix("/")
        let kept = parts.dropLast().joined(separator: "/")
        return absolute ? "/" + kept : kept
    }

    /// The extension of the last component, without its dot: `a.b.c.mp4` → `mp4`. Empty when the
    /// name has no dot, ends with one (`a.`), or only starts with one (`.mp4`, a hidden file).
    public static func pathExtension(_ path: String) -> String {
        let name = lastComponent(path).unicodeScalars
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return text(name[name.index(after: dot)...])
    }

    /// `path` without the extension of its last component (`a/b.c.mp4` → `a/b.c`, `1.mp4` → `1`);
    /// `path` itself, less trailing slashes, when there is none.
    public static func deletingExtension(_ path: String) -> String {
        var scalars = path.unicodeScalars[...]
        while scalars.count > 1, scalars.last == "/" { scalars = scalars.dropLast() }
        let ext = pathExtension(text(scalars))
        return text(ext.isEmpty ? scalars : scalars.dropLast(ext.unicodeScalars.count + 1))
    }

    /// `relative` appended to `base` with exactly one `/` between them (`base` alone when
    /// `relative` is empty, and the other way round).
    public static func joined(_ base: String, _ relative: String) -> String {
        var head = base.unicodeScalars[...], tail = relative.unicodeScalars[...]
        while head.count > 1, head.last == "/" { head = head.dropLast() }
        while tail.first == "/" { tail = tail.dropFirst() }
        if tail.isEmpty { return text(head) }
        if head.isEmpty { return text(tail) }
        return text(head) + (head.last == "/" ? "" : "/") + text(tail)
    }

    /// `path` relative to the folder `base`: `/data/a/1.mp4` in `/data` → `a/1.mp4`; nil when it
    /// is not inside `base` (components are compared whole, so `/data2/x` is not in `/data`).
    public static func relative(_ path: String, to base: String) -> String? {
        let folder = components(base), parts = components(path)
        guard base.hasPrefix("/") == path.hasPrefix("/"), parts.count > folder.count, parts.starts(with: folder) else { return nil }
        return parts.dropFirst(folder.count).joined(separator: "/")
    }

    private static func text(_ scalars: Substring.UnicodeScalarView) -> String { String(Substring(scalars)) }
}
