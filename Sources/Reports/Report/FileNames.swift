/// Safe, unique file names for models, samples and categories.
///
/// A name keeps ASCII letters, digits, `.`, `-` and `_`; `/` becomes `__` (so
/// `1p_emotion/3_woman_crying` is `1p_emotion__3_woman_crying`); every other character becomes
/// `_`; a leading `.` becomes `_` (no hidden files, no `..`); names are cut at 120 characters.
/// Names that then collide (compared without case, for case-insensitive file systems) get `~2`,
/// `~3`, … in the order given, so the mapping is deterministic. Such names need no escaping in a
/// URL.
enum FileNames {
    /// The safe form of one name (not yet made unique).
    static func component(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "/": out += "__"
            case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".": out.unicodeScalars.append(scalar)
            default: out += "_"
            }
        }
        if out.hasPrefix(".") { out = "_" + out.dropFirst() }
        if out.isEmpty { out = "_" }
        return String(out.prefix(120))
    }

    /// The safe, unique names of `names`, in the same order.
    static func unique(_ names: [String]) -> [String] {
        var used = Set<String>()
        return names.map { name in
            let base = component(name)
            var candidate = base
            var counter = 2
            while used.contains(candidate.lowercased()) {
                candidate = "\(base)~\(counter)"
                counter += 1
            }
            used.insert(candidate.lowercased())
            return candidate
        }
    }
}
