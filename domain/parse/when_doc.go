package parse

// Date policy
//
// Times are resolved against the message time now, in now's location (the
// tenant's time zone); a resolved time is a wall clock in that location.
//
//   - Weeks run Monday to Sunday. 下周三 is the Wednesday of next week (also
//     when said on a Sunday), 本周五/这周五 is this week's Friday even when it
//     has passed, 上周五 last week's. next Monday is the Monday of next week;
//     this Friday this week's.
//   - A bare weekday (周三, 星期三, 礼拜三, Wednesday, by Friday) is the next
//     such day after today: on a Tuesday, 周二 is next Tuesday, because today
//     would be said 今天.
//   - 今天 明天 后天 大后天 昨天 前天 (and 今晚, 明早, 昨晚, 当晚 …) count days
//     from today; N天后, 两周后, 三个月后, in two weeks, in 3 days add to
//     today's date (N个工作日后 skips Saturdays and Sundays); N小时后 and
//     N分钟后 add to now.
//   - 月底 is the last day of the month (下月底, 3月底 of that month), 年底
//     Dec 31; 月初 and 月中 are the next 1st and 15th not yet past (下月初 the
//     1st of next month).
//   - A day of the month alone (15号, 30日) is the next one not yet past:
//     today counts, and a month without that day is skipped.
//   - A month and day without a year (3月20日, 3/20, 三月二十号, Dec 3) is
//     the next one not yet past, today counting. When a weekday is written
//     with it (周日, 二月十号; 3月20日(周五)) the year is the nearest one in
//     which that date falls on that weekday. A two-digit year (15年3月2日,
//     九零年) is the one of its century nearest to now.
//   - Written wholly in Chinese numerals without 号/日 (八月十五, 正月初三,
//     腊月二十三, 十一月廿九), or with 初, 正月, 腊月 or 农历, a month and day
//     are lunar dates, as they are said. Holidays (元旦, 春节, 元宵, 清明, 五一,
//     端午, 中秋, 国庆, 除夕 …) are the next one not yet past.
//   - A clock time with 上午/早上/下午/晚上/中午/凌晨/傍晚 (or am/pm) is read on
//     that half of the day. One without, on its own or on today, is its next
//     occurrence on the 12-hour clock: at 04:30, 三点 is 15:00 and 五点
//     05:00. With another day (明天三点, 昨天9点20) it is a working hour:
//     7 to 11 in the morning, 12 at noon, 1 to 6 in the afternoon.
//     上午/下午 without a clock time keep the date only.
//   - Grain: minute when minutes are said (三点半, 3:30, 15:00, 三点一刻), hour
//     for a whole hour (三点, 十点整, 3pm), otherwise day, week, month or year.
//     A time given in another zone (4pm CET) is converted to now's location
//     and has grain minute.
