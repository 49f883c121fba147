import Testing

@testable import Media

@Suite("PathText: paths split and joined without Foundation's NSString")
struct PathTextTests {
    @Test("One-character names, the ones NSString.deletingLastPathComponent traps on, have no parent and keep their name")
    func oneCharacter() {
        for name in ["1", "a", "é", "/", "."] {
            #expect(PathText.parent(name) == (name == "/" ? "/" : ""), "\(name)")
            #expect(PathText.lastComponent(name) == name, "\(name)")
            #expect(PathText.pathExtension(name) == "", "\(name)")
            #expect(PathText.deletingExtension(name) == name, "\(name)")
        }
        #expect(PathText.deletingExtension("1.mp4") == "1" && PathText.parent("1.mp4") == "" && PathText.pathExtension("1.mp4") == "mp4")
    }

    @Test("Unicode, spaces, several dots, hidden names and deep folders", arguments: [
        // path, parent, last component, extension, without extension
        ("é clip.mp4", "", "é clip.mp4", "mp4", "é clip"),
        ("a.b.c.mp4", "", "a.b.c.mp4", "mp4", "a.b.c"),
        (".hidden.mp4", "", ".hidden.mp4", "mp4", ".hidden"),
        (".mp4", "", ".mp4", "", ".mp4"),
        ("a.", "", "a.", "", "a."),
        ("x y/z.mp4", "x y", "z.mp4", "mp4", "x y/z"),
        ("a/b/c/d/1.mp4", "a/b/c/d", "1.mp4", "mp4", "a/b/c/d/1"),
        ("v1.2/3", "v1.2", "3", "", "v1.2/3"),
        ("/data/clips/07.MOV", "/data/clips", "07.MOV", "MOV", "/data/clips/07"),
        ("/x", "/", "x", "", "/x"),
        ("a//b/", "a", "b", "", "a//b"),
        ("日本/話す.webm", "日本", "話す.webm", "webm", "日本/話す"),
        ("e\u{301}/1.mp4", "e\u{301}", "1.mp4", "mp4", "e\u{301}/1"),
        ("a/\u{301}b.\u{301}x", "a", "\u{301}b.\u{301}x", "\u{301}x", "a/\u{301}b"),
    ])
    func names(_ c: (String, String, String, String, String)) {
        let (path, parent, last, ext, stem) = c
        #expect(PathText.parent(path) == parent)
        #expect(PathText.lastComponent(path) == last)
        #expect(PathText.pathExtension(path) == ext)
        #expect(PathText.deletingExtension(path) == stem)
    }

    @Test("components, relative and joined: one slash between the parts, whatever the parts end or start with")
    func joining() {
        #expect(PathText.components("/a//b c/é.mp4/") == ["a", "b c", "é.mp4"])
        #expect(PathText.components("/").isEmpty && PathText.components("").isEmpty)
        #expect(PathText.joined("/data/", "/1.mp4") == "/data/1.mp4")
        #expect(PathText.joined("/data", "x y/z.json") == "/data/x y/z.json")
        #expect(PathText.joined("/", "a") == "/a")
        #expect(PathText.joined("", "a") == "a" && PathText.joined("a", "") == "a")
        #expect(PathText.relative("/data/a/b/1.mp4", to: "/data") == "a/b/1.mp4")
        #expect(PathText.relative("/data/1.mp4", to: "/data/") == "1.mp4")
        #expect(PathText.relative("/data2/1.mp4", to: "/data") == nil, "whole components only")
        #expect(PathText.relative("/data", to: "/data") == nil && PathText.relative("data/1", to: "/data") == nil)
        #expect(PathText.relative("/x/\u{301}1.mp4", to: "/x") == "\u{301}1.mp4", "a combining mark after the slash")
        for path in ["1.mp4", "a/b/c/d/1.mp4", "x y/é clip.mkv"] {
            #expect(PathText.joined(PathText.parent(path), PathText.lastComponent(path)) == path)
        }
    }
}
