#pragma once
// The organisation's memory as agents see it: read-only search over passages of documents,
// facts and past decisions, filtered by who is asking. The store-backed implementation lives
// in bot/memory; agents only ever hold this interface.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bot/core/expected.hpp"

namespace steward {

/// One retrieved passage with everything a citation needs.
struct MemoryHit {
  std::int64_t passage_id = 0;
  std::string collection;  ///< [memory.collections.NAME]
  std::string source;   ///< file path, URL, "slack:U…" (a remembered fact) or "approval:ap_…"
  std::string title;    ///< document title (first heading, <title>, PDF title or file name)
  std::string heading;  ///< heading path inside the document: "Pricing > Discounts"
  int position = 0;     ///< passage index inside its document, from 0
  std::string text;     ///< the passage itself (plain text)
  double score = 0;     ///< fused rank score: higher is better; only comparable within a query
  /// Share (0..1) of the query's content words found in the passage: a corpus-independent
  /// measure the "I don't know" threshold is calibrated on.
  double coverage = 0;
  bool send_to_model = true;  ///< false: this passage must never enter a model prompt
};

struct MemoryQuery {
  std::string text;
  /// Whose access applies: a Slack user id ("U0…") or "role:NAME". A principal that no
  /// collection's readers admit gets nothing; there is no "everything" reader.
  std::string reader;
  std::size_t limit = 5;
  /// True when the hits will go into a model prompt: passages of `send_to_model = false`
  /// collections are dropped before ranking is cut to `limit`.
  bool for_model = false;
  std::vector<std::string> collections;  ///< restrict to these (empty: every readable one)
};

/// @par Thread safety: search() may be called from any thread concurrently.
class MemoryReader {
 public:
  virtual ~MemoryReader() = default;
  /// Best passages first, at most `limit`. Errors: kInvalidInput (empty query after
  /// normalisation), kInternal (store failure).
  [[nodiscard]] virtual Expected<std::vector<MemoryHit>> search(const MemoryQuery& query) const = 0;
};

/// The memory of a Steward with nothing ingested: every search finds nothing.
class EmptyMemory final : public MemoryReader {
 public:
  [[nodiscard]] Expected<std::vector<MemoryHit>> search(const MemoryQuery&) const override {
    return std::vector<MemoryHit>{};
  }
};

}  // namespace steward
