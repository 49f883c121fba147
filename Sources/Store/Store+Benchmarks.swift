import Foundation
import GRDB

/// The kinds of benchmark suite (`suite.kind`).
public enum SuiteKind: String, Sendable, Codable, CaseIterable {
    /// A MoChaBench checkout: `benchmark.csv`, speeches per sample, categories and groups.
    case mochabench
    /// A plain folder of clips per model, samples matched by file path across models.
    case folder
}

/// A suite as stored.
public struct SuiteRecord: Sendable, Equatable, Codable {
    public var name: String
    public var kind: SuiteKind
    public var root: String
    public var createdAt: String
    /// The profile `bench add --profile` registered it with (migration 0006); nil when none was
    /// given. The Store does not know profiles: the caller checks the name.
    public var profile: String? = nil
}

/// What a suite layout says one model has for one sample, before anything is read.
public struct SampleInputSpec: Sendable, Equatable {
    public var model: String
    /// The sample's identifier within the suite (MoChaBench: `<category>/<context_id>`).
    public var sampleID: String
    public var category: String
    /// MoChaBench's `idx_in_category`; folder suites: 1-based position by name within the category.
    public var index: Int
    public var prompt: String?
    public var videoPath: String
    /// The speech to score against; `nil` scores the video's own audio.
    public var speechPath: String?
    /// Face boxes to use instead of S3FD.
    public var boxesPath: String?

    public init(
        model: String, sampleID: String, category: String, index: Int, prompt: String? = nil, videoPath: String, speechPath: String? = nil,
        boxesPath: String? = nil
    ) {
        self.model = model
        self.sampleID = sampleID
        self.category = category
        self.index = index
        self.prompt = prompt
        self.videoPath = videoPath
        self.speechPath = speechPath
        self.boxesPath = boxesPath
    }
}

/// One version of what a model has for a sample: the files and their digests (a missing file has
/// none, and ``problem`` says so).
public struct SampleInput: Sendable, Equatable, Codable {
    public var key: String
    public var suite: String
    public var model: String
    public var sampleID: String
    public var category: String
    public var index: Int
    public var videoPath: String
    public var videoSHA256: String?
    public var speechPath: String?
    public var speechSHA256: String?
    public var boxesPath: String?
    public var boxesSHA256: String?
    /// Why the input cannot be evaluated as registered (a missing or unreadable file), else `nil`.
    public var problem: String?
    public var registeredAt: String

    /// The input's key: SHA-256 of the suite, model, sample and the three files' digests.
    public static func key(suite: String, model: String, sampleID: String, video: String?, speech: String?, boxes: String?) -> String {
        let fields = [suite, model, sampleID, video ?? "-", speech ?? "-", boxes ?? "-"]
        return ContentDigest.sha256(of: Data(fields.joined(separator: "\u{0}").utf8))
    }
}

/// How registering an input changed the database.
public enum RegistrationOutcome: String, Sendable, Equatable {
    /// The sample had no input for this model yet.
    case added
    /// The files are the ones already registered.
    case unchanged
    /// A file changed (or was reverted to an earlier version): this version is now the current one.
    case newVersion = "new_version"
}

/// The recorded outcome of evaluating an input under one configuration.
public struct BenchResult: Sendable, Equatable, Codable {
    public var inputKey: String
    public var configKey: String
    public var profile: String
    public var clean: Bool
    /// The `evaluation` row with the scores; `nil` when the input could not be evaluated at all.
    public var evaluationKey: String?
    public var status: String
    public var message: String
    public var seconds: Double
    public var finishedAt: String

    public init(
        inputKey: String, configKey: String, profile: String, clean: Bool, evaluationKey: String?, status: String, message: String,
        seconds: Double, finishedAt: String = ""
    ) {
        self.inputKey = inputKey
        self.configKey = configKey
        self.profile = profile
        self.clean = clean
        self.evaluationKey = evaluationKey
        self.status = status
        self.message = message
        self.seconds = seconds
        self.finishedAt = finishedAt
    }
}

/// The process holding (or asking for) a claim on an input.
public struct ClaimOwner: Sendable, Equatable {
    /// Unique per run.
    public var id: String
    public var host: String
    public var pid: Int32

    public init(id: String, host: String, pid: Int32) {
        self.id = id
        self.host = host
        self.pid = pid
    }

    /// This process, with a fresh identifier.
    public static func current() -> ClaimOwner {
        ClaimOwner(id: UUID().uuidString.lowercased(), host: ProcessInfo.processInfo.hostName, pid: ProcessInfo.processInfo.processIdentifier)
    }
}

/// Benchmark suites, models, samples, inputs, results and claims (migration 0003, docs/bench.md).
extension Store {
    /// Creates the suite, or checks that the existing one has the same kind.
    ///
    /// `profile` (when given) is recorded with the suite: on a new suite, or on one registered
    /// without a profile. A suite recorded with another profile is refused (its results would mix
    /// protocols); `bench run --profile` runs another profile without changing the record.
    ///
    /// - Returns: whether the suite was created.
    @discardableResult
    public func registerSuite(name: String, kind: SuiteKind, root: String, profile: String? = nil) throws(StoreError) -> Bool {
        try perform("register suite \(name)") {
            try writer.write { db in
                if let existing = try Row.fetchOne(db, sql: "SELECT kind, profile FROM suite WHERE name = ?", arguments: [name]) {
                    let existingKind: String = existing["kind"], existingProfile: String? = existing["profile"]
                    guard existingKind == kind.rawValue else {
                        throw StoreError.invalidRecord(
                            database: databaseName, operation: "register suite \(name)",
                            reason: "the suite exists as a \(existingKind) suite, not \(kind.rawValue) (choose another --suite name)")
                    }
                    if let profile, profile != existingProfile {
                        guard existingProfile == nil else {
                            throw StoreError.invalidRecord(
                                database: databaseName, operation: "register suite \(name)",
                                reason: "the suite was registered with --profile \(existingProfile!), not \(profile) (choose another --suite name, "
                                    + "or run this profile on it with `bench run --profile \(profile)`)")
                        }
                        try db.execute(sql: "UPDATE suite SET profile = ? WHERE name = ?", arguments: [profile, name])
                    }
                    return false
                }
                try db.execute(
                    sql: "INSERT INTO suite (name, kind, root, createdAt, profile) VALUES (?, ?, ?, strftime('%Y-%m-%d %H:%M:%f', 'now'), ?)",
                    arguments: [name, kind.rawValue, root, profile])
                return true
            }
        }
    }

    /// Adds `model` to `suite` (idempotent; the video folder is updated).
    public func registerModel(_ model: String, suite: String, videoRoot: String) throws(StoreError) {
        try perform("register model \(model)") {
            try writer.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO suiteModel (suite, model, videoRoot, position, addedAt)
                        VALUES (?, ?, ?, (SELECT count(*) FROM suiteModel WHERE suite = ?), strftime('%Y-%m-%d %H:%M:%f', 'now'))
                        ON CONFLICT (suite, model) DO UPDATE SET videoRoot = excluded.videoRoot
                        """,
                    arguments: [suite, model, videoRoot, suite])
            }
        }
    }

    /// Registers what `spec.model` has for `spec.sampleID`: reads the files' digests (through the
    /// path cache) and records a new version when they differ from the current one.
    ///
    /// A missing or unreadable file is not an error: the input is recorded with the problem, so
    /// the suite's coverage shows it.
    public func register(_ spec: SampleInputSpec, suite: String) throws(StoreError) -> RegistrationOutcome {
        var problems: [String] = []
        func digest(_ path: String?, role: String) throws(StoreError) -> String? {
            guard let path else { return nil }
            guard FileManager.default.fileExists(atPath: path) else {
                problems.append("\(role) \(path): no such file")
                return nil
            }
            do {
                return try contentDigest(ofFileAt: URL(fileURLWithPath: path))
            } catch .unreadableFile(let path, _, let reason) {
                problems.append("\(role) \(path): \(reason)")
                return nil
            }
        }
        let video = try digest(spec.videoPath, role: "video")
        let speech = try digest(spec.speechPath, role: "speech")
        let boxes = try digest(spec.boxesPath, role: "boxes")
        let key = SampleInput.key(suite: suite, model: spec.model, sampleID: spec.sampleID, video: video, speech: speech, boxes: boxes)
        let problem = problems.isEmpty ? nil : problems.joined(separator: "; ")
        return try perform("register sample \(spec.sampleID) of \(spec.model)") {
            try writer.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO suiteSample (suite, sampleID, category, idx, prompt) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (suite, sampleID) DO UPDATE SET category = excluded.category, idx = excluded.idx,
                            prompt = coalesce(excluded.prompt, suiteSample.prompt)
                        """,
                    arguments: [suite, spec.sampleID, spec.category, spec.index, spec.prompt])
                let current = try String.fetchOne(db, sql: Self.currentInputKeySQL, arguments: [suite, spec.model, spec.sampleID])
                let exists = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM sampleInput WHERE key = ?)", arguments: [key]) ?? false
                if exists {
                    try db.execute(
                        sql: "UPDATE sampleInput SET videoPath = ?, speechPath = ?, boxesPath = ?, problem = ? WHERE key = ?",
                        arguments: [spec.videoPath, spec.speechPath, spec.boxesPath, problem, key])
                    if current == key { return .unchanged }
                    try db.execute(
                        sql: "UPDATE sampleInput SET registeredAt = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE key = ?", arguments: [key])
                    return .newVersion
                }
                try db.execute(
                    sql: """
                        INSERT INTO sampleInput (key, suite, model, sampleID, videoPath, videoSHA256, speechPath, speechSHA256,
                            boxesPath, boxesSHA256, problem, registeredAt)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%d %H:%M:%f', 'now'))
                        """,
                    arguments: [
                        key, suite, spec.model, spec.sampleID, spec.videoPath, video, spec.speechPath, speech, spec.boxesPath, boxes, problem,
                    ])
                return current == nil ? .added : .newVersion
            }
        }
    }

    /// The key of the current (last registered) input of a (suite, model, sample).
    static let currentInputKeySQL = """
        SELECT key FROM sampleInput WHERE suite = ? AND model = ? AND sampleID = ?
        ORDER BY registeredAt DESC, key DESC LIMIT 1
        """

    /// Every suite, by name.
    public func suites() throws(StoreError) -> [SuiteRecord] {
        try perform("list suites") {
            try writer.read { db in
                try Row.fetchAll(db, sql: "SELECT name, kind, root, createdAt, profile FROM suite ORDER BY name").map { row in
                    SuiteRecord(
                        name: row["name"], kind: SuiteKind(rawValue: row["kind"]) ?? .folder, root: row["root"], createdAt: row["createdAt"],
                        profile: row["profile"])
                }
            }
        }
    }

    /// The suite named `name`, if any.
    public func suite(named name: String) throws(StoreError) -> SuiteRecord? {
        try suites().first { $0.name == name }
    }

    /// The models of `suite`, in registration order.
    public func models(ofSuite suite: String) throws(StoreError) -> [String] {
        try perform("list models of \(suite)") {
            try writer.read { db in
                try String.fetchAll(db, sql: "SELECT model FROM suiteModel WHERE suite = ? ORDER BY position, model", arguments: [suite])
            }
        }
    }

    /// The samples of `suite`, by category, index and identifier.
    public func samples(ofSuite suite: String) throws(StoreError) -> [(sampleID: String, category: String, index: Int, prompt: String?)] {
        try perform("list samples of \(suite)") {
            try writer.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT sampleID, category, idx, prompt FROM suiteSample WHERE suite = ? ORDER BY category, idx, sampleID", arguments: [suite]
                ).map { (sampleID: $0["sampleID"], category: $0["category"], index: $0["idx"], prompt: $0["prompt"]) }
            }
        }
    }

    /// The current input of every (model, sample) of `suite`, optionally of some models only:
    /// models in registration order, then samples by category, index and identifier.
    public func currentInputs(suite: String, models: [String]? = nil) throws(StoreError) -> [SampleInput] {
        try perform("list inputs of \(suite)") {
            try writer.read { db in
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT i.*, s.category, s.idx FROM sampleInput i
                        JOIN suiteSample s ON s.suite = i.suite AND s.sampleID = i.sampleID
                        JOIN suiteModel m ON m.suite = i.suite AND m.model = i.model
                        WHERE i.suite = ? AND NOT EXISTS (
                            SELECT 1 FROM sampleInput j WHERE j.suite = i.suite AND j.model = i.model AND j.sampleID = i.sampleID
                                AND (j.registeredAt > i.registeredAt OR (j.registeredAt = i.registeredAt AND j.key > i.key)))
                        ORDER BY m.position, s.category, s.idx, i.sampleID
                        """,
                    arguments: [suite])
                return rows.map(Self.sampleInput).filter { input in models.map { $0.contains(input.model) } ?? true }
            }
        }
    }

    private static func sampleInput(_ row: Row) -> SampleInput {
        SampleInput(
            key: row["key"], suite: row["suite"], model: row["model"], sampleID: row["sampleID"], category: row["category"], index: row["idx"],
            videoPath: row["videoPath"], videoSHA256: row["videoSHA256"], speechPath: row["speechPath"], speechSHA256: row["speechSHA256"],
            boxesPath: row["boxesPath"], boxesSHA256: row["boxesSHA256"], problem: row["problem"], registeredAt: row["registeredAt"])
    }

    /// The recorded result of `inputKey` under `configKey`, if any.
    public func benchResult(inputKey: String, configKey: String) throws(StoreError) -> BenchResult? {
        try perform("read bench result") {
            try writer.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM benchResult WHERE inputKey = ? AND configKey = ?", arguments: [inputKey, configKey])
                    .map(Self.benchResult)
            }
        }
    }

    /// The latest result of `inputKey` under any configuration of `profile` and `clean`.
    public func latestBenchResult(inputKey: String, profile: String, clean: Bool) throws(StoreError) -> BenchResult? {
        try perform("read bench result") {
            try writer.read { db in
                try Row.fetchOne(
                    db,
                    sql: """
                        SELECT * FROM benchResult WHERE inputKey = ? AND profile = ? AND clean = ?
                        ORDER BY finishedAt DESC, configKey DESC LIMIT 1
                        """,
                    arguments: [inputKey, profile, clean ? 1 : 0]
                ).map(Self.benchResult)
            }
        }
    }

    private static func benchResult(_ row: Row) -> BenchResult {
        BenchResult(
            inputKey: row["inputKey"], configKey: row["configKey"], profile: row["profile"], clean: (row["clean"] as Int) != 0,
            evaluationKey: row["evaluationKey"], status: row["status"], message: row["message"], seconds: row["seconds"],
            finishedAt: row["finishedAt"])
    }

    /// Records (or replaces) a result and releases its claim, in one transaction.
    public func save(_ result: BenchResult) throws(StoreError) {
        try perform("save bench result") {
            try writer.write { db in
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO benchResult (inputKey, configKey, profile, clean, evaluationKey, status, message, seconds, finishedAt)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%d %H:%M:%f', 'now'))
                        """,
                    arguments: [
                        result.inputKey, result.configKey, result.profile, result.clean ? 1 : 0, result.evaluationKey, result.status, result.message,
                        max(0, result.seconds),
                    ])
                try db.execute(sql: "DELETE FROM benchClaim WHERE inputKey = ? AND configKey = ?", arguments: [result.inputKey, result.configKey])
            }
        }
    }

    /// Takes the claim on `inputKey` under `configKey` for `owner`, unless another live run holds
    /// it.
    ///
    /// A claim is stale, and taken over, when its process no longer exists on this host
    /// (`isAlive` says, for claims of `owner.host`), or when its heartbeat is older than
    /// `staleAfter` seconds (runs on other hosts).
    ///
    /// - Returns: whether `owner` now holds the claim.
    public func claim(
        inputKey: String, configKey: String, owner: ClaimOwner, staleAfter: TimeInterval, now: Date = Date(),
        isAlive: (Int32) -> Bool
    ) throws(StoreError) -> Bool {
        try perform("claim sample") {
            try writer.write { db in
                if let row = try Row.fetchOne(
                    db, sql: "SELECT owner, host, pid, heartbeatAt FROM benchClaim WHERE inputKey = ? AND configKey = ?", arguments: [inputKey, configKey])
                {
                    let holder: String = row["owner"]
                    let host: String = row["host"]
                    let pid: Int32 = row["pid"]
                    let heartbeat: Double = row["heartbeatAt"]
                    let stale = (host == owner.host && holder != owner.id && !isAlive(pid)) || now.timeIntervalSince1970 - heartbeat > staleAfter
                    guard holder == owner.id || stale else { return false }
                }
                try db.execute(
                    sql: "INSERT OR REPLACE INTO benchClaim (inputKey, configKey, owner, host, pid, heartbeatAt) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [inputKey, configKey, owner.id, owner.host, owner.pid, now.timeIntervalSince1970])
                return true
            }
        }
    }

    /// Refreshes the heartbeat of every claim `owner` holds.
    public func heartbeat(owner: ClaimOwner, now: Date = Date()) throws(StoreError) {
        try perform("refresh claims") {
            try writer.write { db in
                try db.execute(sql: "UPDATE benchClaim SET heartbeatAt = ? WHERE owner = ?", arguments: [now.timeIntervalSince1970, owner.id])
            }
        }
    }

    /// Drops the claim `owner` holds on `inputKey` under `configKey` (after a failure that should
    /// be retried by the next run).
    public func releaseClaim(inputKey: String, configKey: String, owner: ClaimOwner) throws(StoreError) {
        try perform("release claim") {
            try writer.write { db in
                try db.execute(
                    sql: "DELETE FROM benchClaim WHERE inputKey = ? AND configKey = ? AND owner = ?", arguments: [inputKey, configKey, owner.id])
            }
        }
    }

    /// The claims held by process `pid` on `host`: the inputs it was evaluating (a supervisor reads
    /// them after its worker process died, to know which clips were in flight).
    public func claims(host: String, pid: Int32) throws(StoreError) -> [(inputKey: String, configKey: String)] {
        try perform("list claims of process \(pid)") {
            try writer.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT inputKey, configKey FROM benchClaim WHERE host = ? AND pid = ? ORDER BY inputKey", arguments: [host, pid]
                ).map { (inputKey: $0["inputKey"], configKey: $0["configKey"]) }
            }
        }
    }

    /// The (profile, clean) pairs `suite` has results under, with their number of results.
    public func resultConfigurations(suite: String) throws(StoreError) -> [(profile: String, clean: Bool, results: Int)] {
        try perform("list result configurations of \(suite)") {
            try writer.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT r.profile, r.clean, count(*) AS n FROM benchResult r JOIN sampleInput i ON i.key = r.inputKey
                        WHERE i.suite = ? GROUP BY r.profile, r.clean ORDER BY r.profile, r.clean
                        """,
                    arguments: [suite]
                ).map { (profile: $0["profile"], clean: ($0["clean"] as Int) != 0, results: $0["n"]) }
            }
        }
    }

    /// A digest of what a report shows: each current input with its result's configuration,
    /// evaluation key, status and finishing time (rows in any order). Equal digests mean the same rows.
    public static func resultsDigest(of rows: [(input: SampleInput, result: BenchResult?)]) -> String {
        let lines = rows.map { input, result in
            [input.key, result?.configKey ?? "-", result?.evaluationKey ?? "-", result?.status ?? "-", result?.finishedAt ?? "-"]
                .joined(separator: " ")
        }
        return ContentDigest.sha256(of: Data(lines.sorted().joined(separator: "\n").utf8))
    }
}
