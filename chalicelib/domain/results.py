"""The results of a dial attempt (RULINGS "Call vocabulary": an <attempt>'s <result>),
shared by telephony/ (which produces them), store/, protocol/ and workflows/."""

SUCCESS = "Success"
BUSY = "Busy"
NO_ANSWER = "NoAnswer"
MACHINE = "Machine"
DECLINED = "Declined"  # answered, 1 not pressed
FAILED = "Failed"
DND = "DND"
BLACKLISTED = "Blacklisted"
