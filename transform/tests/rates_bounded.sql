-- Rates are fractions 0–1, the score 0–100, counts whole and non-negative.
select unit_code, period_id, dim, dim_value, figure_id, value from figure_values
where (figure_id like '%rate' and (value < 0 or value > 1))
   or (figure_id = 'score' and (value < 0 or value > 100))
   or (figure_id in ('received', 'closed', 'overdue_open', 'proxy_cases', 'visit_persons', 'opinions',
                     'problems_solved', 'service_activities', 'volunteers', 'beneficiaries')
       and (value is null or value < 0 or value <> floor(value)))
