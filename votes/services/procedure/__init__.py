"""Rules of procedure at the end of a vote: proved deliveries and 从多 (deliveries), the
objection period and the final result (objections)."""
