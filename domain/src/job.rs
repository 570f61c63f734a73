//! Rules for the durable jobs (imports, payroll) that the API queues.

use crate::rule::RuleRefusal;

/// A job is cancelled only before a worker takes it.
pub const NOT_QUEUED: RuleRefusal =
    RuleRefusal::conflict("job.not_queued", "Only a job that has not begun can be cancelled", "কেবল শুরু হয়নি এমন কাজ বাতিল করা যায়");
