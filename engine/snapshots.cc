#include "engine/snapshots.h"

namespace tradingd::engine {

void SnapshotStore::PublishBook(std::shared_ptr<const BookSnapshot> snapshot) {
  const core::InstrumentId id = snapshot->instrument;
  std::lock_guard lock(mutex_);
  if (id < books_.size()) books_[id] = std::move(snapshot);
}

void SnapshotStore::PublishStats(std::shared_ptr<const EngineStats> stats) {
  std::lock_guard lock(mutex_);
  stats_ = std::move(stats);
}

std::shared_ptr<const BookSnapshot> SnapshotStore::Book(core::InstrumentId instrument) const {
  std::lock_guard lock(mutex_);
  return instrument < books_.size() ? books_[instrument] : nullptr;
}

std::shared_ptr<const EngineStats> SnapshotStore::Stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace tradingd::engine
